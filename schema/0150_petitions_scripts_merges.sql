-- The dispatcher's workflow, part two (issue 16): petitions surveyed at
-- once, what to tell callers per category, and merges that keep the
-- merged callers and notes in front of the crew.

-- Petitions (陳情): a channel of their own. Each gets a site survey with
-- its own short deadline; the result is recorded and the petitioner's
-- call-back is tied to it.
ALTER TABLE requests DROP CONSTRAINT requests_channel_check;
ALTER TABLE requests ADD CONSTRAINT requests_channel_check
    CHECK (channel IN ('phone', 'counter', 'patrol', 'app', 'open311', 'petition'));

CREATE TABLE surveys (
    request_id      bigint PRIMARY KEY REFERENCES requests,
    due_at          timestamptz NOT NULL,
    findings        text CHECK (length(findings) <= 4000),
    proposed_action text CHECK (length(proposed_action) <= 2000),
    photos          text[] NOT NULL DEFAULT '{}',
    recorded_by     text,
    recorded_at     timestamptz
);
CREATE INDEX surveys_open ON surveys (due_at) WHERE recorded_at IS NULL;

-- Plain words for new staff: what to tell a caller of each category.
ALTER TABLE categories
    ADD COLUMN caller_script_ja text NOT NULL DEFAULT '' CHECK (length(caller_script_ja) <= 2000),
    ADD COLUMN caller_script_en text NOT NULL DEFAULT '' CHECK (length(caller_script_en) <= 2000);

UPDATE categories SET
    caller_script_ja = 'スズメバチ・アシナガバチの巣は区で駆除します（無料）。班が着くまで巣に近づかず、刺激しないでください（大きな音・振動・殺虫剤はかえって危険です）。窓を閉め、洗濯物は取り込んでください。刺されて息苦しさやじんましんが出たらすぐ119番へ。',
    caller_script_en = 'We remove wasp and hornet nests free of charge. Until the crew arrives keep away from the nest and do not disturb it (noise, shaking or spray make it worse). Close windows and bring in laundry. If stung and short of breath or with hives, call 119 at once.'
WHERE code = 'wasp_nest';
UPDATE categories SET
    caller_script_ja = 'ミツバチは花の受粉を助ける益虫のため、区では駆除しません。分蜂（巣分かれ）の群れは数時間から数日で自然に移動することが多いです。近づかず、殺虫剤はかけないでください。残るようなら養蜂家をご案内します。',
    caller_script_en = 'Honeybees pollinate flowers, so the ward does not kill them. A swarm usually moves on within hours or a few days. Keep away and do not spray it. If it stays, we refer you to a beekeeper.'
WHERE code = 'bee_swarm';
UPDATE categories SET
    caller_script_ja = 'アライグマ・ハクビシンは法律で保護されており、捕獲には許可が必要です。素手で触らず、えさになる物（生ごみ・ペットのえさ）を外に置かないでください。屋根裏の場合は侵入口をお伺いします。',
    caller_script_en = 'Raccoons and civets are protected by law; catching them needs a permit. Do not touch them and do not leave food (kitchen waste, pet food) outside. For an attic, we will ask where they get in.'
WHERE code = 'wildlife_capture';
UPDATE categories SET
    caller_script_ja = 'カラスは繁殖期（3〜7月）に巣の近くの人を威嚇します。傘や帽子で頭を守り、巣の下を通らないようにしてください。ヒナがいる巣は撤去に時間がかかることがあります。',
    caller_script_en = 'Crows defend their nests in the breeding season (March to July). Protect your head with an umbrella or hat and avoid passing under the nest. A nest with chicks can take longer to remove.'
WHERE code = 'crow_nest';
UPDATE categories SET
    caller_script_ja = '道路上の死骸は区で回収します。車の通行に注意し、素手で触らないでください。私有地の場合は生活環境事業所をご案内します。',
    caller_script_en = 'We collect dead animals from roads. Watch for traffic and do not touch it with bare hands. On private land we refer you to the environment office.'
WHERE code = 'dead_animal';
UPDATE categories SET
    caller_script_ja = '穴の場所（目印・車線）と大きさ・深さを伺います。危険な場合は班が応急処置（コーン・埋め戻し）をし、本復旧は後日になります。車や自転車が落ちてけがをした場合は110番・119番へ。',
    caller_script_en = 'We ask where exactly (landmark, lane) and how big and deep. If dangerous a crew makes it safe first (cones, filling); the repair comes later. If someone was hurt, call 110 or 119.'
WHERE code = 'road_pothole';
UPDATE categories SET
    caller_script_ja = '壊れた物（ガードレール・標識・カーブミラー）と場所を伺います。倒れて通行の妨げになっている場合はすぐ班を出します。交通事故が原因なら警察にも連絡してください。',
    caller_script_en = 'We ask what is broken (guardrail, sign, mirror) and where. If it blocks the road a crew goes at once. If a traffic accident caused it, please also tell the police.'
WHERE code = 'road_fixture';
UPDATE categories SET
    caller_script_ja = '通行を妨げているか伺います。倒木には近づかず、電線に触れている場合は東京電力へも連絡してください。私有地の木は所有者の管理です。',
    caller_script_en = 'We ask whether it blocks the way. Keep away from fallen trees; if it touches power lines, also call the power company. Trees on private land are the owner''s.'
WHERE code = 'road_tree';
UPDATE categories SET
    caller_script_ja = '河川は管理者が区・県・国に分かれます。場所を伺い、区の管理でなければ担当へ引き継ぎ、引き継ぎ先をお知らせします。増水時は川に近づかないでください。',
    caller_script_en = 'Rivers are managed by the ward, the prefecture or the state. We ask where; if it is not ours we hand it over and tell you to whom. Keep away from the river when it is high.'
WHERE code = 'river_defect';
UPDATE categories SET
    caller_script_ja = '壊れた遊具は事故防止のため使用禁止にします。お子さんを近づけないでください。公園名と遊具の種類を伺います。',
    caller_script_en = 'Broken play equipment is closed off to prevent accidents. Keep children away. We ask the park''s name and which equipment.'
WHERE code = 'park_equipment';
UPDATE categories SET
    caller_script_ja = '公園名と場所（トイレ・照明の番号など）を伺います。修理の予定が決まり次第、ご希望があれば折り返します。',
    caller_script_en = 'We ask the park''s name and where (toilet, lamp number). If you wish, we call back once the repair is scheduled.'
WHERE code = 'park_other';

-- sync_merged_text(): schema/functions/sync_merged_text.sql

-- sync_outbound(): its body now is schema/functions/sync_outbound.sql
