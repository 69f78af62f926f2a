#include "glossary.h"

#include <string.h>

const struct glossary_entry glossary[] = {
    /* The request life cycle. */
    {"state.new", "新規", "New"},
    {"state.triaged", "確認済み", "Triaged"},
    {"state.assigned", "割当済み", "Assigned"},
    {"state.accepted", "受諾", "Accepted"},
    {"state.en_route", "移動中", "En route"},
    {"state.on_site", "現着", "On site"},
    {"state.done", "完了", "Done"},
    {"state.unable", "対応不可", "Unable"},
    {"state.cancelled", "取消", "Cancelled"},
    {"state.merged", "統合", "Merged"},
    {"state.handing_over", "引継ぎ中", "Handing over"},
    /*
     * The crew's steps: the handheld's buttons and history, the console's
     * timeline. A crew declining an assignment is 辞退 (差し戻し is the
     * console's word for an escalation taking it back).
     */
    {"action.accept", "受諾", "accept"},
    {"action.reject", "辞退", "reject"},
    {"action.en_route", "出発", "en route"},
    {"action.on_site", "現着", "on site"},
    {"action.done", "完了", "done"},
    {"action.unable", "対応不可", "unable"},
    /* Priorities, and what the caller answered (the console's detail, the
     * handheld's job). */
    {"prio.1", "緊急", "Emergency"},
    {"prio.2", "高", "High"},
    {"prio.3", "通常", "Normal"},
    {"prio.4", "低", "Low"},
    {"detail.answers", "聞き取り", "Answers"},
    /* Call-backs. */
    {"event.callback_done", "折り返し済み", "called back"},
    {"cbres.answered", "連絡済み", "Answered"},
    {"cbres.no_answer", "不在・再架電", "No answer, call again"},
    {"cbres.explained", "説明済み", "Explained"},
    {"cbres.not_needed", "不要", "Not needed"},
    /* The crews' skills (the console's crews table, the recommendations'
     * reasons). */
    {"skill.wasp", "蜂", "wasps"},
    {"skill.wildlife", "鳥獣", "wildlife"},
    {"skill.road", "道路", "roads"},
    {"skill.river", "河川", "rivers"},
    {"skill.park", "公園", "parks"},
    /* Each category's one-character mark (the console's map, queue and
     * detail, the handheld's jobs): the same in both languages. A category
     * not listed is marked by the first character of its name. */
    {"glyph.wasp_nest", "蜂", "蜂"},
    {"glyph.bee_swarm", "蜜", "蜜"},
    {"glyph.wildlife_capture", "獣", "獣"},
    {"glyph.crow_nest", "鴉", "鴉"},
    {"glyph.dead_animal", "骸", "骸"},
    {"glyph.road_pothole", "穴", "穴"},
    {"glyph.road_fixture", "柵", "柵"},
    {"glyph.road_tree", "木", "木"},
    {"glyph.river_defect", "川", "川"},
    {"glyph.park_equipment", "遊", "遊"},
    {"glyph.park_other", "園", "園"},
    /* Patrol coverage: the exports use the same words (macros). */
    {"coverage.not_due", GL_PIECE_NOT_DUE_JA, GL_PIECE_NOT_DUE_EN},
    {"coverage.inspected", GL_PIECE_INSPECTED_JA, GL_PIECE_INSPECTED_EN},
    {"coverage.overdue", GL_PIECE_OVERDUE_JA, GL_PIECE_OVERDUE_EN},
    {"coverage.due", GL_PIECE_DUE_JA, GL_PIECE_DUE_EN},
    {"coverage.on_time", GL_PIECE_ON_TIME_JA, GL_PIECE_ON_TIME_EN},
    {NULL, NULL, NULL},
};

const struct glossary_entry *
glossary_find(const char *key)
{
	const struct glossary_entry *e;

	for (e = glossary; e->key != NULL; e++)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

json_t *
glossary_json(void)
{
	json_t *o = json_object();
	const struct glossary_entry *e;

	for (e = glossary; e->key != NULL; e++)
		json_object_set_new(o, e->key, json_pack("[ss]", e->ja, e->en));
	return o;
}
