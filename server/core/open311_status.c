/*
 * What each step of the job life cycle tells a resident through Open311:
 * the mySociety extension's update status (FixMyStreet shows it and may
 * close or reopen its report on it) and a fixed sentence in each language.
 * The sentence is ours, never a crew's or dispatcher's note, so no staff
 * free text (which may name people or homes) reaches a public reply.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "open311_codec.h"

static const struct open311_status statuses[] = {
    {"created", NULL, "open", 0, "受け付けました", "Received"},
    {"triage", NULL, "investigating", 0, "内容を確認しています",
        "Being looked into"},
    {"assign", NULL, "action_scheduled", 0, "担当班を手配しました",
        "A crew has been scheduled"},
    {"reassign", NULL, "action_scheduled", 0, "担当班を手配しました",
        "A crew has been scheduled"},
    {"accept", NULL, "action_scheduled", 0, "担当班が出動を受けました",
        "The crew has taken the job"},
    /* A crew said no, or did not answer in time: back in the queue. */
    {"reject", NULL, "investigating", 0, "担当班を調整しています",
        "Finding a crew"},
    {"escalate", NULL, "investigating", 0, "担当班を調整しています",
        "Finding a crew"},
    {"en_route", NULL, "in_progress", 0, "担当班が現地へ向かっています",
        "A crew is on its way"},
    {"on_site", NULL, "in_progress", 0, "担当班が現地で作業しています",
        "A crew is on site"},
    /* done: by outcome (categories' outcome codes, schema/0004). */
    {"done", "removed", "fixed", 1, "対応が完了しました", "Fixed"},
    {"done", "repaired", "fixed", 1, "補修が完了しました", "Repaired"},
    {"done", "captured", "fixed", 1, "捕獲しました", "Captured"},
    {"done", "carcass_collected", "fixed", 1, "回収しました", "Collected"},
    {"done", "made_safe", "fixed", 1, "応急処置をしました", "Made safe"},
    {"done", "no_nest", "no_further_action", 1,
        "現地を確認しましたが巣は見つかりませんでした",
        "Checked on site: no nest was found"},
    {"done", "not_found", "no_further_action", 1,
        "現地を確認しましたが見つかりませんでした",
        "Checked on site: nothing was found"},
    {"done", "advice", "no_further_action", 1, "助言をしました",
        "Advice was given"},
    {"done", "left", "no_further_action", 1, "自然にいなくなりました",
        "It had gone by itself"},
    {"done", "not_ours", "not_councils_responsibility", 1,
        "区の対応範囲外のため、担当先をご案内しました",
        "Not ours to handle; referred on"},
    {"done", "referred_beekeeper", "not_councils_responsibility", 1,
        "養蜂家へ引き継ぎました", "Referred to a beekeeper"},
    {"done", "handed_over", "not_councils_responsibility", 1,
        "他機関へ引き継ぎました", "Handed over to another body"},
    /* Closed here, but the work itself is still to come. */
    {"done", "contractor", "action_scheduled", 1, "業者に補修を手配しました",
        "A contractor has been ordered"},
    {"done", "revisit", "action_scheduled", 1, "再訪問して対応します",
        "A further visit is needed"},
    {"done", "trap_set", "in_progress", 1, "罠を設置しました",
        "A trap has been set"},
    {"done", "closed_off", "in_progress", 1, "使用禁止の措置をしました",
        "Closed off until repaired"},
    /* Any outcome added later: closed, nothing more said. */
    {"done", NULL, "closed", 1, "対応が終わりました", "Closed"},
    {"unable", NULL, "no_further_action", 1, "対応できませんでした",
        "Could not be done"},
    {"cancel", NULL, "cancelled", 1, "取り消されました", "Cancelled"},
    {"merge", NULL, "duplicate", 1, "同じ内容の通報にまとめました",
        "Merged with an earlier report of the same problem"},
    /*
     * A hand-over waits for the recipient's receipt (issue 16): open until
     * confirmed; unconfirmed ones come back to us.
     */
    {"handover", NULL, "internal_referral", 0,
        "担当先へ引き継いでいます（受領の確認待ち）",
        "Being passed to the body responsible (waiting for their receipt)"},
    {"handover_received", NULL, "internal_referral", 1,
        "担当先が引き継ぎを受け取りました", "Received by the body responsible"},
    {"handover_returned", NULL, "in_progress", 0,
        "引き継ぎ先の確認が取れないため、こちらで対応を続けます",
        "Not confirmed by the other body: we are handling it again"},
};

const struct open311_status *
open311_status_find(const char *kind, const char *outcome)
{
	size_t i;

	for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
		if (strcmp(statuses[i].kind, kind) != 0)
			continue;
		if (statuses[i].outcome == NULL ||
		    (outcome != NULL &&
		        strcmp(statuses[i].outcome, outcome) == 0))
			return &statuses[i];
	}
	return NULL;
}

/* 1 if statuses[i] is the first row of its kind ("done" has many). */
static int
status_kind_first(size_t i)
{
	size_t j;

	for (j = 0; j < i; j++) {
		if (strcmp(statuses[j].kind, statuses[i].kind) == 0)
			return 0;
	}
	return 1;
}

const char *
open311_status_kinds_sql(int with_created)
{
	/* Built once from statuses[], in its order (not a second list). */
	static char sql[2][320];
	char *out = sql[with_created != 0];
	size_t used = 1, i;
	int n;

	if (out[0] != '\0')
		return out;
	out[0] = '{';
	for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
		/* Updates leave "created" out: the request itself says that. */
		if (!status_kind_first(i) ||
		    (!with_created && strcmp(statuses[i].kind, "created") == 0))
			continue;
		n = snprintf(out + used, sizeof sql[0] - used, "%s%s",
		    used > 1 ? "," : "", statuses[i].kind);
		if (n < 0 || (size_t)n >= sizeof sql[0] - used - 1)
			fatalx("event=open311_kinds_too_long"); /* sql[] */
		used += (size_t)n;
	}
	out[used] = '}';
	return out;
}
