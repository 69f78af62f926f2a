/*
 * patrolctl retention status | run: what the purge will remove and when,
 * and the purge itself (as patrold runs it daily; "run" always runs it,
 * even if one ran today, and running it again removes nothing more).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "config.h"
#include "ctl.h"
#include "ctl_retention.h"
#include "retention.h"
#include "store_ops.h"
#include "xmalloc.h"

static const struct {
	const char *kind, *label;
} ctl_retention_kinds[] = {
    {"callers", "通報者の個人情報 / callers' personal data"},
    {"sync_batches", "同期バッチ / finished sync batches"},
    {"uploads_unfinished", "未完了の写真 / unfinished photo uploads"},
    {"sessions_expired", "期限切れログイン / expired console sessions"},
};

static const char *
ctl_retention_label(const char *kind)
{
	size_t i;

	for (i = 0;
	     i < sizeof ctl_retention_kinds / sizeof *ctl_retention_kinds;
	     i++) {
		if (strcmp(ctl_retention_kinds[i].kind, kind) == 0)
			return ctl_retention_kinds[i].label;
	}
	return kind;
}

int
ctl_retention_status(struct ctl *c, int argc, char **argv)
{
	PGresult *kinds, *parts, *last;
	struct retention_params p;
	struct store_retention_kind k;
	struct store_retention_partition part;
	struct store_retention_run run;
	char *cause;
	int i;

	if (ctl_args("retention status", argc, argv, NULL, NULL, 0) != 0) {
		return ctl_usage(c, "retention status");
	}
	retention_params(c->cfg, &p);
	if (store_ops_retention_status(
	        ctl_db(c), &p, &kinds, &parts, &last, &cause) != 0)
		return ctl_fail("retention status", cause);
	printf("保持期間 / retention: 通報者の個人情報 callers' personal data "
	       "%d 日 days after the request closed; GPS %d か月 months; "
	       "同期バッチ sync batches %d 日 days; 未完了の写真 unfinished "
	       "uploads %d 時間 hours; 期限切れログイン expired sessions at "
	       "once\n\n",
	    p.caller_days, p.fix_months, p.batch_days, p.upload_hours);
	printf("%-46s %12s  %-24s %s\n", "種類 / kind", "今 due now",
	    "次 next due", "保持 kept (open requests)");
	for (i = 0; store_ops_retention_kind_row(kinds, i, &k); i++)
		printf("%-46s %12s  %-24s %s\n", ctl_retention_label(k.kind),
		    k.due_now, k.next_due,
		    strcmp(k.kind, "callers") == 0 ? k.kept : "");
	printf("\nGPS 月別パーティション / GPS fix partitions by month:\n");
	if (!store_ops_retention_partition_row(parts, 0, &part))
		printf("  (none)\n");
	for (i = 0; store_ops_retention_partition_row(parts, i, &part); i++)
		printf("  %-28s %s  %10s 件 fixes  削除 dropped %s%s\n",
		    part.name, part.month, part.rows, part.drop_at,
		    part.due ? " (次回 at the next purge)" : "");
	if (store_ops_retention_last_row(last, &run))
		printf("\n前回 / last purge: %s by %s: %s\n", run.finished_at,
		    run.actor, run.removed);
	else
		printf("\n前回 / last purge: まだ none yet\n");
	PQclear(kinds);
	PQclear(parts);
	PQclear(last);
	return 0;
}

int
ctl_retention_run(struct ctl *c, int argc, char **argv)
{
	struct retention_params p;
	char *cause, *result;
	int removed;

	if (ctl_args("retention run", argc, argv, NULL, NULL, 0) != 0) {
		return ctl_usage(c, "retention run");
	}
	retention_params(c->cfg, &p);
	if (store_ops_purge(ctl_db(c), &p, "patrolctl", 1, &result, &cause) !=
	    0)
		return ctl_fail("retention run", cause);
	if (strstr(result, "\"skipped\"") != NULL) {
		printf("retention: %s\n", result);
		free(result);
		return 0;
	}
	if (retention_prune_partials(
	        c->cfg->photo_dir, p.upload_hours, &removed, &cause) != 0) {
		free(result);
		return ctl_fail("retention run", cause);
	}
	printf("retention: removed %s; unfinished upload files %d\n", result,
	    removed);
	free(result);
	return 0;
}
