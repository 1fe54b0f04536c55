/* SPDX-License-Identifier: MIT */
/*
 * metrics_map.c: the one table from stats keys ("datagrams_in",
 * "dropped_rate") to Prometheus families and their labels. A new counter
 * in a service is a new row here; a key with no row still shows up, as
 * netdemo_dropped_total when it starts with "dropped_", else under
 * netdemo_unmapped{key=...}, so nothing is lost before the row is added.
 */
#include <string.h>

#include "metrics_map.h"

enum {
	F_REQUESTS, F_DROPPED, F_BYTES_IN, F_BYTES_OUT, F_DGRAMS_IN,
	F_DGRAMS_OUT, F_SEND_ERRORS, F_CONNS, F_ACCEPTED, F_TIMED_OUT,
	F_CHAT_MEMBERS, F_CHAT_DELIVERIES, F_DICT_ENTRIES, F_DICT_LOADED,
	F_DICT_RELOAD_FAILED, F_EXEC_JOBS, F_RELOADS, F_START_TIME,
	F_CHAT_FED_UP, F_CHAT_FED_MSGS, F_CHAT_FED_DELIVERIES,
	F_CHAT_FED_RECONNECTS,
	F_UNMAPPED,
};

const struct metrics_family metrics_families[] = {
	[F_REQUESTS] = { "netdemo_requests_total", "counter",
	    "Requests taken, by how they ended.", "result", METRICS_SECTION },
	[F_DROPPED] = { "netdemo_dropped_total", "counter",
	    "Datagrams or connections dropped unanswered, by reason.",
	    "reason", METRICS_SECTION },
	[F_BYTES_IN] = { "netdemo_bytes_received_total", "counter",
	    "Payload bytes received.", NULL, METRICS_SECTION },
	[F_BYTES_OUT] = { "netdemo_bytes_sent_total", "counter",
	    "Payload bytes sent (echo: queued to send back).", NULL,
	    METRICS_SECTION },
	[F_DGRAMS_IN] = { "netdemo_datagrams_received_total", "counter",
	    "Datagrams received.", NULL, METRICS_SECTION },
	[F_DGRAMS_OUT] = { "netdemo_datagrams_sent_total", "counter",
	    "Datagrams sent.", NULL, METRICS_SECTION },
	[F_SEND_ERRORS] = { "netdemo_send_errors_total", "counter",
	    "Replies the kernel refused with an error.", NULL,
	    METRICS_SECTION },
	[F_CONNS] = { "netdemo_connections", "gauge",
	    "TCP connections open now.", NULL, METRICS_SECTION },
	[F_ACCEPTED] = { "netdemo_connections_accepted_total", "counter",
	    "TCP connections accepted.", NULL, METRICS_SECTION },
	[F_TIMED_OUT] = { "netdemo_connections_timed_out_total", "counter",
	    "TCP connections closed for idling.", NULL, METRICS_SECTION },
	[F_CHAT_MEMBERS] = { "netdemo_chat_members", "gauge",
	    "Chat members now.", NULL, METRICS_SECTION },
	[F_CHAT_DELIVERIES] = { "netdemo_chat_deliveries_total", "counter",
	    "Chat messages delivered, one per recipient.", NULL,
	    METRICS_SECTION },
	[F_DICT_ENTRIES] = { "netdemo_dict_entries", "gauge",
	    "Entries in the dictionary in use.", NULL, METRICS_SECTION },
	[F_DICT_LOADED] = { "netdemo_dict_loaded_timestamp_seconds", "gauge",
	    "When the dictionary in use was loaded, in Unix time.", NULL,
	    METRICS_SECTION },
	[F_DICT_RELOAD_FAILED] = { "netdemo_dict_reload_failures_total",
	    "counter", "Dictionary reloads that failed.", NULL,
	    METRICS_SECTION },
	[F_EXEC_JOBS] = { "netdemo_exec_jobs", "gauge",
	    "Commands running now.", NULL, METRICS_SECTION },
	[F_RELOADS] = { "netdemo_reloads_total", "counter",
	    "Configuration reloads (SIGHUP), by outcome.", "result",
	    METRICS_DAEMON },
	[F_START_TIME] = { "netdemo_start_time_seconds", "gauge",
	    "When the daemon started, in Unix time.", NULL, METRICS_DAEMON },
	[F_CHAT_FED_UP] = { "netdemo_chat_federation_up", "gauge",
	    "1 while chat federation's Redis link is up.", NULL,
	    METRICS_SECTION },
	[F_CHAT_FED_MSGS] = { "netdemo_chat_federation_messages_total",
	    "counter", "Chat federation's bus messages, by what became of them.",
	    "result", METRICS_SECTION },
	[F_CHAT_FED_DELIVERIES] = {
	    "netdemo_chat_federated_deliveries_total", "counter",
	    "Other instances' chat messages delivered, one per recipient.",
	    NULL, METRICS_SECTION },
	[F_CHAT_FED_RECONNECTS] = {
	    "netdemo_chat_federation_reconnects_total", "counter",
	    "Times chat federation came back after Redis was lost.", NULL,
	    METRICS_SECTION },
	[F_UNMAPPED] = { "netdemo_unmapped", "untyped",
	    "Counters with no family of their own yet, by stats key.", "key",
	    METRICS_SECTION },
};
const size_t metrics_nfamilies = sizeof metrics_families /
    sizeof metrics_families[0];

#define NOT_EXPORTED	(-1)

static const struct {
	const char		*key;
	struct metrics_ref	 ref;
} rows[] = {
	/* udp.c, every UDP kind */
	{ "datagrams_in",		{ F_DGRAMS_IN, NULL, 1 } },
	{ "datagrams_out",		{ F_DGRAMS_OUT, NULL, 1 } },
	{ "refused_too_long",		{ F_REQUESTS, "too_long", 1 } },
	{ "dropped_send_full",		{ F_DROPPED, "send_full", 1 } },
	{ "errors_send",		{ F_SEND_ERRORS, NULL, 1 } },
	{ "bytes_in",			{ F_BYTES_IN, NULL, 1 } },
	{ "bytes_out",			{ F_BYTES_OUT, NULL, 1 } },
	{ "dropped_allow_from",		{ F_DROPPED, "allow_from", 1 } },
	{ "dropped_bad_source",		{ F_DROPPED, "bad_source", 1 } },
	{ "dropped_rate",		{ F_DROPPED, "rate_limit", 1 } },
	{ "dropped_repeat",		{ F_DROPPED, "loop_guard", 1 } },
	{ "dropped_reflection",		{ F_DROPPED, "reflection_guard", 1 } },
	/* dict */
	{ "found",			{ F_REQUESTS, "answered", 1 } },
	{ "unknown",			{ F_REQUESTS, "unknown", 1 } },
	{ "dict_entries",		{ F_DICT_ENTRIES, NULL, 1 } },
	{ "dict_loaded_at",		{ F_DICT_LOADED, NULL, 0 } },
	{ "reload_failures",		{ F_DICT_RELOAD_FAILED, NULL, 1 } },
	/* exec */
	{ "jobs",			{ F_EXEC_JOBS, NULL, 1 } },
	{ "runs",			{ F_REQUESTS, "answered", 1 } },
	{ "refused_not_allowed",	{ F_REQUESTS, "refused", 1 } },
	{ "refused_busy",		{ F_REQUESTS, "busy", 1 } },
	{ "refused_too_long_signed",	{ F_REQUESTS, "too_long", 1 } },
	{ "dropped_auth_malformed",	{ F_DROPPED, "auth_malformed", 1 } },
	{ "dropped_auth_stale",		{ F_DROPPED, "auth_stale", 1 } },
	{ "dropped_auth_bad_mac",	{ F_DROPPED, "auth_bad_mac", 1 } },
	{ "dropped_auth_replayed",	{ F_DROPPED, "auth_replayed", 1 } },
	{ "dropped_auth_replay_full",	{ F_DROPPED, "auth_replay_full", 1 } },
	/* chat */
	{ "members",			{ F_CHAT_MEMBERS, NULL, 1 } },
	{ "messages_relayed",		{ F_REQUESTS, "answered", 1 } },
	{ "deliveries",			{ F_CHAT_DELIVERIES, NULL, 1 } },
	{ "federated_deliveries",	{ F_CHAT_FED_DELIVERIES, NULL, 1 } },
	{ "federation_up",		{ F_CHAT_FED_UP, NULL, 1 } },
	{ "federation_published",	{ F_CHAT_FED_MSGS, "published", 1 } },
	{ "federation_received",	{ F_CHAT_FED_MSGS, "received", 1 } },
	{ "federation_dropped_queue",	{ F_CHAT_FED_MSGS, "dropped_queue", 1 } },
	{ "federation_dropped_down",	{ F_CHAT_FED_MSGS, "dropped_down", 1 } },
	{ "federation_malformed",	{ F_CHAT_FED_MSGS, "malformed", 1 } },
	{ "federation_reconnects",	{ F_CHAT_FED_RECONNECTS, NULL, 1 } },
	/* echo, stats, metrics: the TCP kinds */
	{ "connections",		{ F_CONNS, NULL, 1 } },
	{ "connections_accepted",	{ F_ACCEPTED, NULL, 1 } },
	{ "refused_max_connections",	{ F_DROPPED, "max_connections", 1 } },
	{ "refused_per_source",		{ F_DROPPED, "per_source", 1 } },
	{ "refused_allow_from",		{ F_DROPPED, "allow_from", 1 } },
	{ "closed_timeout",		{ F_TIMED_OUT, NULL, 1 } },
	{ "scrapes",			{ F_REQUESTS, "answered", 1 } },
	{ "not_found",			{ F_REQUESTS, "not_found", 1 } },
	/* the daemon (stats.c) */
	{ "reloads_ok",			{ F_RELOADS, "ok", 0 } },
	{ "reloads_failed",		{ F_RELOADS, "failed", 0 } },
	{ "start_time_seconds",		{ F_START_TIME, NULL, 0 } },
	{ "uptime_seconds",		{ NOT_EXPORTED, NULL, 0 } },
};

#define DROPPED_PREFIX	"dropped_"

/* The row for key; an unknown key gets a generic place (see the top). */
struct metrics_ref
metrics_map_find(const char *key)
{
	struct metrics_ref ref = { F_UNMAPPED, key, 1 };
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (strcmp(rows[i].key, key) == 0)
			return rows[i].ref;
	if (strncmp(key, DROPPED_PREFIX, strlen(DROPPED_PREFIX)) == 0) {
		ref.family = F_DROPPED;
		ref.label_value = key + strlen(DROPPED_PREFIX);
	}
	return ref;
}
