-- Call intake and dispatch: categories, offices, crews, requests, their
-- callers (personal data, kept apart), and the append-only event log from
-- which every request's state is derived.

CREATE TABLE categories (
    code              text PRIMARY KEY CHECK (code ~ '^[a-z0-9_]{1,40}$'),
    name_ja           text NOT NULL,
    name_en           text NOT NULL,
    skills            text[] NOT NULL,          -- a crew with any of these qualifies
    priority          int NOT NULL CHECK (priority BETWEEN 1 AND 4), -- 1 emergency .. 4 low
    make_safe_minutes int NOT NULL CHECK (make_safe_minutes > 0),
    resolve_minutes   int NOT NULL CHECK (resolve_minutes > 0),
    accept_minutes    int NOT NULL DEFAULT 10 CHECK (accept_minutes > 0),
    work_minutes      int NOT NULL DEFAULT 45 CHECK (work_minutes > 0), -- typical time on site
    outcomes          jsonb NOT NULL,           -- [{code, name_ja, name_en}]
    questions         jsonb NOT NULL,           -- [{code, datatype, required, name_ja, name_en, values?, raises?}]
    active            boolean NOT NULL DEFAULT true
);

CREATE TABLE offices (
    id         bigserial PRIMARY KEY,
    code       text UNIQUE NOT NULL CHECK (code ~ '^[a-z0-9_-]{1,40}$'),
    name_ja    text NOT NULL,
    name_en    text NOT NULL,
    ward_codes text[] NOT NULL DEFAULT '{}',    -- wards it serves
    skills     text[] NOT NULL DEFAULT '{}',
    lon        double precision NOT NULL,
    lat        double precision NOT NULL
);

CREATE TABLE crews (
    id          bigserial PRIMARY KEY,
    code        text UNIQUE NOT NULL CHECK (code ~ '^[a-z0-9_-]{1,40}$'),
    name        text NOT NULL,
    office_id   bigint NOT NULL REFERENCES offices,
    skills      text[] NOT NULL,
    members     text[] NOT NULL DEFAULT '{}',
    shift_start time NOT NULL DEFAULT '08:30',
    shift_end   time NOT NULL DEFAULT '17:15',
    status      text NOT NULL DEFAULT 'available'
                CHECK (status IN ('available', 'break', 'off_duty')),
    lon         double precision,
    lat         double precision,
    position_at timestamptz
);

CREATE TABLE requests (
    id               bigserial PRIMARY KEY,
    category         text NOT NULL REFERENCES categories,
    channel          text NOT NULL CHECK (channel IN ('phone', 'counter', 'patrol', 'app', 'open311')),
    lon              double precision NOT NULL,
    lat              double precision NOT NULL,
    easting          double precision NOT NULL,  -- in the configured projected CRS
    northing         double precision NOT NULL,
    address          text,                       -- place description, not a caller's home
    ward_code        text,
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    answers          jsonb NOT NULL DEFAULT '{}',
    priority         int NOT NULL,
    due_make_safe    timestamptz NOT NULL,
    due_resolve      timestamptz NOT NULL,
    state            text NOT NULL DEFAULT 'new',
    version          int NOT NULL DEFAULT 1,     -- compare-and-set for every change
    crew_id          bigint REFERENCES crews,
    parent_id        bigint REFERENCES requests,
    outcome          text,
    escalated_at     timestamptz,
    callback_at      timestamptz,                -- promised call-back time
    callback_done_at timestamptz,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    state_changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX requests_open ON requests (category, created_at)
    WHERE state IN ('new', 'triaged', 'assigned', 'accepted', 'en_route', 'on_site');
CREATE INDEX requests_crew ON requests (crew_id)
    WHERE state IN ('assigned', 'accepted', 'en_route', 'on_site');
CREATE INDEX requests_parent ON requests (parent_id);

-- Personal data of callers: only staff roles read it, and every read is
-- written to audit_log. Never in logs, Open311 GET replies or event data.
CREATE TABLE callers (
    id         bigserial PRIMARY KEY,
    request_id bigint NOT NULL REFERENCES requests,
    name       text,
    phone      text,
    address    text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX callers_request ON callers (request_id);

-- Every change to a request, append-only. Its id orders the live feed.
CREATE TABLE request_events (
    id         bigserial PRIMARY KEY,
    request_id bigint NOT NULL REFERENCES requests,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,
    kind       text NOT NULL,
    from_state text,
    to_state   text,
    crew_id    bigint REFERENCES crews,
    lon        double precision,
    lat        double precision,
    detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX request_events_request ON request_events (request_id, id);

CREATE FUNCTION request_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'request_events is append-only';
END $$;
CREATE TRIGGER request_events_no_change BEFORE UPDATE OR DELETE ON request_events
    FOR EACH ROW EXECUTE FUNCTION request_events_append_only();

-- request_event_append(): schema/functions/request_event_append.sql

-- The starting set of categories (domain notes); offices edit them later.
INSERT INTO categories (code, name_ja, name_en, skills, priority, make_safe_minutes,
                        resolve_minutes, accept_minutes, work_minutes, outcomes, questions)
VALUES
('wasp_nest', 'ハチの巣（スズメバチ・アシナガバチ）', 'Wasp/hornet nest', '{wasp}', 2, 240, 1440, 10, 45,
 '[{"code":"removed","name_ja":"駆除完了","name_en":"Removed"},
   {"code":"no_nest","name_ja":"巣なし（住民へ説明）","name_en":"No nest found (explained to resident)"},
   {"code":"not_ours","name_ja":"対象外（ミツバチ・私有地高所）","name_en":"Not ours, referred"},
   {"code":"revisit","name_ja":"再訪問","name_en":"Revisit needed"}]',
 '[{"code":"nest_height","datatype":"singlevaluelist","required":true,"name_ja":"巣の高さ","name_en":"Nest height",
    "values":[{"key":"ground","name_ja":"地面・低所","name_en":"Ground/low"},{"key":"eaves","name_ja":"軒下","name_en":"Eaves"},{"key":"high","name_ja":"高所（3m以上）","name_en":"High (over 3 m)"}]},
   {"code":"location","datatype":"singlevaluelist","required":true,"name_ja":"場所","name_en":"Location",
    "values":[{"key":"outdoor","name_ja":"屋外","name_en":"Outdoor"},{"key":"indoor","name_ja":"屋内・屋根裏","name_en":"Indoor/attic"}]},
   {"code":"near_path","datatype":"singlevaluelist","required":false,"name_ja":"通学路・出入口の近く","name_en":"Near a school path or entrance",
    "values":[{"key":"yes","name_ja":"はい","name_en":"Yes"},{"key":"no","name_ja":"いいえ","name_en":"No"}],
    "raises":{"value":"yes","priority":1}}]'),
('bee_swarm', 'ミツバチの分蜂', 'Honeybee swarm', '{wasp}', 3, 720, 2880, 15, 30,
 '[{"code":"referred_beekeeper","name_ja":"養蜂家へ引継ぎ","name_en":"Referred to a beekeeper"},
   {"code":"left","name_ja":"自然に移動","name_en":"Swarm left"},
   {"code":"advice","name_ja":"助言","name_en":"Advice given"}]',
 '[]'),
('wildlife_capture', '鳥獣（アライグマ・ハクビシン等）', 'Wildlife (raccoon, masked palm civet…)', '{wildlife}', 3, 1440, 10080, 30, 60,
 '[{"code":"captured","name_ja":"捕獲","name_en":"Captured"},
   {"code":"trap_set","name_ja":"罠設置","name_en":"Trap set"},
   {"code":"advice","name_ja":"助言","name_en":"Advice given"}]',
 '[{"code":"animal","datatype":"singlevaluelist","required":true,"name_ja":"動物の種類","name_en":"Animal",
    "values":[{"key":"raccoon","name_ja":"アライグマ","name_en":"Raccoon"},{"key":"civet","name_ja":"ハクビシン","name_en":"Masked palm civet"},{"key":"other","name_ja":"その他","name_en":"Other"}]}]'),
('crow_nest', 'カラスの巣', 'Crow nest', '{wildlife}', 3, 1440, 4320, 30, 45,
 '[{"code":"removed","name_ja":"撤去","name_en":"Removed"},
   {"code":"advice","name_ja":"助言","name_en":"Advice given"},
   {"code":"not_ours","name_ja":"対象外","name_en":"Not ours, referred"}]',
 '[]'),
('dead_animal', '動物の死骸（道路上）', 'Dead animal on a road', '{road,wildlife}', 2, 120, 480, 10, 20,
 '[{"code":"carcass_collected","name_ja":"死骸回収","name_en":"Carcass collected"},
   {"code":"not_found","name_ja":"現場で確認できず","name_en":"Not found on site"}]',
 '[]'),
('road_pothole', '道路の穴・陥没', 'Pothole / cave-in', '{road}', 2, 120, 10080, 10, 60,
 '[{"code":"made_safe","name_ja":"応急処置","name_en":"Made safe"},
   {"code":"repaired","name_ja":"補修完了","name_en":"Repaired"},
   {"code":"contractor","name_ja":"業者手配","name_en":"Contractor ordered"},
   {"code":"handed_over","name_ja":"他機関へ引継ぎ","name_en":"Handed over to another body"}]',
 '[{"code":"depth","datatype":"singlevaluelist","required":true,"name_ja":"深さ","name_en":"Depth",
    "values":[{"key":"shallow","name_ja":"5cm未満","name_en":"Under 5 cm"},{"key":"deep","name_ja":"5cm以上","name_en":"5 cm or more"}],
    "raises":{"value":"deep","priority":1}}]'),
('road_fixture', 'ガードレール・標識・カーブミラー破損', 'Guardrail, sign or mirror damage', '{road}', 2, 240, 10080, 15, 45,
 '[{"code":"made_safe","name_ja":"応急処置","name_en":"Made safe"},
   {"code":"repaired","name_ja":"補修完了","name_en":"Repaired"},
   {"code":"contractor","name_ja":"業者手配","name_en":"Contractor ordered"},
   {"code":"handed_over","name_ja":"他機関へ引継ぎ","name_en":"Handed over to another body"}]',
 '[]'),
('road_tree', '倒木・枝の張り出し', 'Fallen tree / overhanging branches', '{road,park}', 2, 120, 4320, 10, 60,
 '[{"code":"made_safe","name_ja":"応急処置","name_en":"Made safe"},
   {"code":"removed","name_ja":"撤去","name_en":"Removed"},
   {"code":"contractor","name_ja":"業者手配","name_en":"Contractor ordered"}]',
 '[{"code":"blocking","datatype":"singlevaluelist","required":true,"name_ja":"通行を妨げている","name_en":"Blocking traffic",
    "values":[{"key":"yes","name_ja":"はい","name_en":"Yes"},{"key":"no","name_ja":"いいえ","name_en":"No"}],
    "raises":{"value":"yes","priority":1}}]'),
('river_defect', '河川（護岸・柵・水路の詰まり）', 'River bank, fence or blocked channel', '{river}', 3, 480, 10080, 30, 60,
 '[{"code":"made_safe","name_ja":"応急処置","name_en":"Made safe"},
   {"code":"repaired","name_ja":"補修完了","name_en":"Repaired"},
   {"code":"handed_over","name_ja":"他機関へ引継ぎ","name_en":"Handed over to another body"}]',
 '[]'),
('park_equipment', '公園遊具・ベンチ・柵の破損', 'Broken playground equipment, bench or fence', '{park}', 2, 240, 10080, 15, 45,
 '[{"code":"closed_off","name_ja":"使用禁止措置","name_en":"Closed off"},
   {"code":"repaired","name_ja":"補修完了","name_en":"Repaired"},
   {"code":"contractor","name_ja":"業者手配","name_en":"Contractor ordered"}]',
 '[]'),
('park_other', '公園その他（照明・トイレ等）', 'Other park defects', '{park}', 3, 1440, 10080, 30, 30,
 '[{"code":"repaired","name_ja":"補修完了","name_en":"Repaired"},
   {"code":"contractor","name_ja":"業者手配","name_en":"Contractor ordered"},
   {"code":"handed_over","name_ja":"他機関へ引継ぎ","name_en":"Handed over to another body"}]',
 '[]');
