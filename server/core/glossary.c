#include "glossary.h"

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
    /* Call-backs. */
    {"event.callback_done", "折り返し済み", "called back"},
    {"cbres.answered", "連絡済み", "Answered"},
    {"cbres.no_answer", "不在・再架電", "No answer, call again"},
    {"cbres.explained", "説明済み", "Explained"},
    {"cbres.not_needed", "不要", "Not needed"},
    /* Patrol coverage: the exports use the same words (macros). */
    {"coverage.not_due", GL_PIECE_NOT_DUE_JA, GL_PIECE_NOT_DUE_EN},
    {"coverage.inspected", GL_PIECE_INSPECTED_JA, GL_PIECE_INSPECTED_EN},
    {"coverage.overdue", GL_PIECE_OVERDUE_JA, GL_PIECE_OVERDUE_EN},
    {"coverage.due", GL_PIECE_DUE_JA, GL_PIECE_DUE_EN},
    {"coverage.on_time", GL_PIECE_ON_TIME_JA, GL_PIECE_ON_TIME_EN},
    {NULL, NULL, NULL},
};

json_t *
glossary_json(void)
{
	json_t *o = json_object();
	const struct glossary_entry *e;

	for (e = glossary; e->key != NULL; e++)
		json_object_set_new(o, e->key, json_pack("[ss]", e->ja, e->en));
	return o;
}
