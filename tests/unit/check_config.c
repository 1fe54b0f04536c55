/* SPDX-License-Identifier: MIT */
/* check_config.c: config validation over iniparser dictionaries built in memory. */
#include <check.h>
#include <iniparser/iniparser.h>
#include <stdarg.h>
#include <string.h>

#include "collect.h"
#include "config.h"
#include "config_scan.h"
#include "service.h"
#include "run_suite.h"

static struct collected col;

/* Builds a dictionary from "section:key", "value" pairs, NULL-terminated. */
static dictionary *
ini(const char *first, ...)
{
	dictionary *d = dictionary_new(0);
	const char *key, *val;
	char sec[300];
	va_list ap;

	va_start(ap, first);
	for (key = first; key != NULL; key = va_arg(ap, const char *)) {
		val = va_arg(ap, const char *);
		snprintf(sec, sizeof sec, "%.*s", (int)strcspn(key, ":"), key);
		if (iniparser_find_entry(d, sec) == 0)
			iniparser_set(d, sec, NULL);
		iniparser_set(d, key, val);
	}
	va_end(ap);
	return d;
}

static struct config *
validate(dictionary *d)
{
	struct diag diag = collect_diag(&col);
	struct config *conf = config_from_ini(d, "/etc/nd/netdemo.ini", &diag);

	iniparser_freedict(d);
	return conf;
}

START_TEST(test_minimal_echo_defaults)
{
	struct config *conf = validate(ini("echo:listen", "127.0.0.1:0", NULL));

	ck_assert_ptr_nonnull(conf);
	ck_assert_uint_eq(conf->nsvcs, 1);
	ck_assert_str_eq(conf->svcs[0].name, "echo");
	ck_assert_str_eq(conf->svcs[0].kind->kind, "echo");
	ck_assert_int_eq(conf->svcs[0].enabled, 1);
	ck_assert_uint_eq(conf->svcs[0].max_connections, 10000);
	ck_assert_uint_eq(conf->svcs[0].idle_timeout, 300);
	ck_assert_uint_eq(conf->svcs[0].listen.n, 1);
	ck_assert_int_eq(conf->log_level, LOG_LVL_INFO);
	config_free(conf);
}
END_TEST

START_TEST(test_dict_path_relative_to_config)
{
	struct config *conf = validate(ini(
	    "words:service", "dict", "words:listen", "127.0.0.1:0, [::1]:0",
	    "words:file", "../data/dict.txt", "words:max_request", "64", NULL));

	ck_assert_ptr_nonnull(conf);
	ck_assert_str_eq(conf->svcs[0].file, "/etc/nd/../data/dict.txt");
	ck_assert_uint_eq(conf->svcs[0].listen.n, 2);
	ck_assert_uint_eq(conf->svcs[0].max_request, 64);
	ck_assert_uint_eq(conf->svcs[0].reply_size, 1200);
	config_free(conf);
}
END_TEST

START_TEST(test_unknown_key_named_with_hint)
{
	ck_assert_ptr_null(validate(ini("echo:listen", "127.0.0.1:0",
	    "echo:max_conections", "5", NULL)));
	ck_assert(collected_has(&col, "/etc/nd/netdemo.ini: [echo] "
	    "max_conections: unknown key (did you mean max_connections?)"));
}
END_TEST

START_TEST(test_key_of_another_kind_refused)
{
	ck_assert_ptr_null(validate(ini("echo:listen", "127.0.0.1:0",
	    "echo:file", "x.txt", NULL)));
	ck_assert(collected_has(&col, "[echo] file: unknown key for the echo"
	    " kind"));
}
END_TEST

START_TEST(test_bad_values_named)
{
	ck_assert_ptr_null(validate(ini("echo:listen", "127.0.0.1:0",
	    "echo:max_connections", "lots", "echo:idle_timeout", "-1",
	    "echo:enabled", "maybe", NULL)));
	ck_assert(collected_has(&col, "[echo] max_connections: 'lots' is not"));
	ck_assert(collected_has(&col, "[echo] idle_timeout: '-1' is not"));
	ck_assert(collected_has(&col, "[echo] enabled: 'maybe' is not yes or no"));
	ck_assert_int_eq(col.n, 3);
}
END_TEST

START_TEST(test_range_limits)
{
	ck_assert_ptr_null(validate(ini("echo:listen", "127.0.0.1:0",
	    "echo:max_connections", "0", NULL)));
	ck_assert(collected_has(&col, "in 1..1000000"));
	ck_assert_ptr_null(validate(ini("echo:listen", "127.0.0.1:0",
	    "echo:max_connections", "99999999999999999999", NULL)));
}
END_TEST

START_TEST(test_listen_required_and_checked)
{
	ck_assert_ptr_null(validate(ini("echo:idle_timeout", "5", NULL)));
	ck_assert(collected_has(&col, "[echo] listen: required key is missing"));
	ck_assert_ptr_null(validate(ini("echo:listen", "localhost:80", NULL)));
	ck_assert(collected_has(&col, "[echo] listen: 'localhost:80'"));
	ck_assert_ptr_null(validate(ini("echo:listen", "127.0.0.1", NULL)));
	ck_assert_ptr_null(validate(ini("echo:listen", "::1:80", NULL)));
	ck_assert_ptr_null(validate(ini("echo:listen", "[::1]:65536", NULL)));
	ck_assert_ptr_null(validate(ini("echo:listen", " , ", NULL)));
	ck_assert(collected_has(&col, "[echo] listen: empty list"));
}
END_TEST

START_TEST(test_duplicate_addresses)
{
	ck_assert_ptr_null(validate(ini("echo:listen",
	    "127.0.0.1:7, 127.0.0.1:7", NULL)));
	ck_assert(collected_has(&col, "'127.0.0.1:7' is listed twice"));

	ck_assert_ptr_null(validate(ini("a:service", "dict", "a:file", "x",
	    "a:listen", "[::1]:9000", "b:service", "dict", "b:file", "y",
	    "b:listen", "[::1]:9000", NULL)));
	ck_assert(collected_has(&col, "[b] listen: udp [::1]:9000 is also [a]'s"));
}
END_TEST

/* Binding these fails at start, so validation refuses them. */
START_TEST(test_wildcard_overlaps_and_v4mapped)
{
	struct config *conf;

	ck_assert_ptr_null(validate(ini("echo:listen", "127.0.0.1:7",
	    "e2:service", "echo", "e2:listen", "0.0.0.0:7", NULL)));
	ck_assert(collected_has(&col, "[e2] listen: tcp 0.0.0.0:7 overlaps"
	    " [echo]'s 127.0.0.1:7"));
	ck_assert_ptr_null(validate(ini("echo:listen", "[::]:7, [::1]:7", NULL)));
	ck_assert(collected_has(&col, "'[::1]:7' overlaps another entry"));
	ck_assert_ptr_null(validate(ini("echo:listen", "[::ffff:127.0.0.1]:7",
	    NULL)));
	ck_assert(collected_has(&col, "[echo] listen: '[::ffff:127.0.0.1]:7':"
	    " an IPv4-mapped address"));
	/* IPv6 sockets are IPv6-only: :: and 0.0.0.0 share no port. */
	conf = validate(ini("echo:listen", "0.0.0.0:7, [::]:7",
	    "e2:service", "echo", "e2:listen", "127.0.0.1:8", NULL));
	ck_assert_ptr_nonnull(conf);
	config_free(conf);
}
END_TEST

START_TEST(test_same_port_other_protocol_or_zero_is_fine)
{
	struct config *conf = validate(ini("d:service", "dict", "d:file", "x",
	    "d:listen", "127.0.0.1:9000, 127.0.0.1:0, 127.0.0.1:0",
	    "echo:listen", "127.0.0.1:9000", NULL));

	ck_assert_ptr_nonnull(conf);
	config_free(conf);
}
END_TEST

START_TEST(test_disabled_services_do_not_clash)
{
	struct config *conf = validate(ini("a:service", "echo",
	    "a:listen", "127.0.0.1:9000", "b:service", "echo",
	    "b:listen", "127.0.0.1:9000", "b:enabled", "no", NULL));

	ck_assert_ptr_nonnull(conf);
	ck_assert_uint_eq(config_enabled_count(conf), 1);
	config_free(conf);
}
END_TEST

START_TEST(test_unknown_kinds_and_sections)
{
	ck_assert_ptr_null(validate(ini("x:service", "dixt", "x:listen",
	    "127.0.0.1:0", "misc:listen", "127.0.0.1:0", NULL)));
	ck_assert(collected_has(&col,
	    "[x] service: unknown service kind 'dixt' (known: chat, dict, dictd, echo, exec, metrics, stats, udpecho)"));
	ck_assert(collected_has(&col, "[misc] unknown section"));
}
END_TEST

START_TEST(test_no_enabled_service)
{
	ck_assert_ptr_null(validate(ini("echo:listen", "127.0.0.1:0",
	    "echo:enabled", "no", NULL)));
	ck_assert(collected_has(&col, "no enabled service"));
	ck_assert_ptr_null(validate(ini("netdemo:log_level", "debug", NULL)));
	ck_assert(collected_has(&col, "no enabled service"));
}
END_TEST

START_TEST(test_global_section)
{
	struct config *conf = validate(ini("netdemo:log_level", "debug",
	    "echo:listen", "127.0.0.1:0", NULL));

	ck_assert_ptr_nonnull(conf);
	ck_assert_int_eq(conf->log_level, LOG_LVL_DEBUG);
	config_free(conf);
	ck_assert_ptr_null(validate(ini("netdemo:log_level", "loud",
	    "netdemo:logfile", "x", "echo:listen", "127.0.0.1:0", NULL)));
	ck_assert(collected_has(&col, "[netdemo] log_level: 'loud'"));
	ck_assert(collected_has(&col, "[netdemo] logfile: unknown key"));
}
END_TEST

START_TEST(test_every_error_reported)
{
	ck_assert_ptr_null(validate(ini("a:service", "echo", "a:listen", "x",
	    "b:service", "dict", "b:listen", "127.0.0.1:0", NULL)));
	ck_assert(collected_has(&col, "[a] listen:"));
	ck_assert(collected_has(&col, "[b] file: required key is missing"));
}
END_TEST

/* config_scan() over text; -1 or 0, messages in col. */
static int
scan(const char *text)
{
	struct diag diag = collect_diag(&col);

	return config_scan(text, strlen(text), "nd.ini", &diag);
}

START_TEST(test_scan_clean_file)
{
	ck_assert_int_eq(scan("# c\n; c\n[echo]\nlisten = a\n\n[dict]\n"
	    "listen = b\nfile = x\n[Chat]\nlisten=c\n"), 0);
	ck_assert_int_eq(col.n, 0);
	ck_assert_int_eq(scan(""), 0);
}
END_TEST

START_TEST(test_scan_repeated_section)
{
	ck_assert_int_eq(scan("[echo]\nlisten = a\n[dict]\n[ Echo ]\n"
	    "idle_timeout = 1\n"), -1);
	ck_assert(collected_has(&col, "nd.ini:4: [echo]: section given twice"
	    " (first on line 1)"));
}
END_TEST

START_TEST(test_scan_repeated_key)
{
	ck_assert_int_eq(scan("[dict]\nfile = a\nlisten = x\nFILE=b\n"
	    "[echo]\nfile = c\n"), -1);
	ck_assert_int_eq(col.n, 1);
	ck_assert(collected_has(&col, "nd.ini:4: [dict] file: key given twice"
	    " (first on line 2)"));
	/* A continued line counts from its first line. */
	ck_assert_int_eq(scan("[a]\nk = 1 \\\n  2\nk = 3\n"), -1);
	ck_assert(collected_has(&col, "nd.ini:4: [a] k: key given twice"
	    " (first on line 2)"));
}
END_TEST

START_TEST(test_scan_nul_byte)
{
	static const char text[] = "[echo]\nlisten = a\nk = b\0c\n";
	struct diag diag = collect_diag(&col);

	ck_assert_int_eq(config_scan(text, sizeof text - 1, "nd.ini", &diag),
	    -1);
	ck_assert(collected_has(&col, "nd.ini:3: a NUL byte (at column 6)"));
}
END_TEST

START_TEST(test_scan_section_names)
{
	char text[600];

	ck_assert_int_eq(scan("[exec:remote]\nbogus = 1\n"), -1);
	ck_assert(collected_has(&col, "nd.ini:1: [exec:remote]: ':' may not"));
	snprintf(text, sizeof text, "[%0255d]\nk = v\n", 0);
	ck_assert_int_eq(scan(text), 0);
	snprintf(text, sizeof text, "[%0256d]\nk = v\n", 0);
	ck_assert_int_eq(scan(text), -1);
	ck_assert(collected_has(&col, "nd.ini:1: section name longer than 255"));
	/* Names become metrics labels: UTF-8 text only (an attack found a
	 * bad byte took the whole Prometheus target down). */
	ck_assert_int_eq(scan("[a\xff" "b]\nk = v\n"), -1);
	ck_assert(collected_has(&col, "nd.ini:1: a section name must be UTF-8"));
	ck_assert_int_eq(scan("[a\x1b[2Jb]\nk = v\n"), -1);
	ck_assert_int_eq(scan("[\xe7\x8c\xab]\nk = v\n"), 0);
	/* iniparser reads "[a]b]" as [a]. */
	ck_assert_int_eq(scan("[a]b]\nk = v\n"), -1);
	ck_assert(collected_has(&col, "nd.ini:1: [a]: text after the section's"));
}
END_TEST

START_TEST(test_long_section_name_validates)
{
	char name[256];
	char key[300];
	struct config *conf;

	memset(name, 'e', 255);
	name[255] = '\0';
	snprintf(key, sizeof key, "%s:service", name);
	conf = validate(ini(key, "echo", NULL));
	ck_assert_ptr_null(conf);
	/* Found its kind: only the missing listen is wrong. */
	ck_assert(collected_has(&col, "listen: required key is missing"));
	ck_assert(!collected_has(&col, "unknown section"));
}
END_TEST

/*
 * Free, copy and compare go by each kind's key table: a copy of every
 * section equals it, owns all its strings and lists (valgrind and ASan see
 * a leak or a double free), and a changed key makes it differ.
 */
START_TEST(test_conf_copy_equal_free)
{
	struct config *conf = validate(ini(
	    "dict:listen", "127.0.0.1:0", "dict:file", "words.txt",
	    "exec:listen", "127.0.0.1:0", "exec:enabled", "yes",
	    "exec:allow", "date, uptime", "exec:key_file", "/etc/nd/key",
	    "exec:user", "nobody", "exec:allow_from", "127.0.0.0/8, ::1",
	    "chat:listen", "127.0.0.1:0, [::1]:0", "echo:listen", "127.0.0.1:0",
	    NULL));
	struct svc_conf copy;
	size_t i;

	ck_assert_ptr_nonnull(conf);
	for (i = 0; i < conf->nsvcs; i++) {
		config_svc_copy(&copy, &conf->svcs[i]);
		ck_assert(config_svc_equal(&copy, &conf->svcs[i]));
		ck_assert_ptr_ne(copy.name, conf->svcs[i].name);
		ck_assert_ptr_ne(copy.listen.v, conf->svcs[i].listen.v);
		copy.listen.n = 0;
		ck_assert(!config_svc_equal(&copy, &conf->svcs[i]));
		copy.listen.n = conf->svcs[i].listen.n;
		if (strcmp(copy.name, "exec") == 0) {
			ck_assert_str_eq(copy.key_file, "/etc/nd/key");
			ck_assert_ptr_ne(copy.allow.v[1], conf->svcs[i].allow.v[1]);
			copy.allow.v[1][0] = 'U';
			ck_assert(!config_svc_equal(&copy, &conf->svcs[i]));
		}
		config_svc_free(&copy);
		ck_assert_ptr_null(copy.name);
		ck_assert_ptr_null(copy.listen.v);
	}
	config_free(conf);
}
END_TEST

/* "A B" is a missing comma, not A: listen and allow_from say so. */
START_TEST(test_blank_inside_an_entry_is_an_error)
{
	ck_assert_ptr_null(validate(ini("echo:listen",
	    "127.0.0.1:7 127.0.0.1:8", NULL)));
	ck_assert(collected_has(&col, "/etc/nd/netdemo.ini: [echo] listen:"
	    " '127.0.0.1:7 127.0.0.1:8': a blank inside an entry"));
	ck_assert_ptr_null(validate(ini("echo:listen", "127.0.0.1:7",
	    "echo:allow_from", " ::1 127.0.0.1 , 10.0.0.0/8", NULL)));
	ck_assert(collected_has(&col, "[echo] allow_from: '::1 127.0.0.1': a"
	    " blank inside an entry"));
}
END_TEST

/* exec's allow entries are command lines: their blanks are kept. */
START_TEST(test_exec_allow_entries_are_command_lines)
{
	struct config *conf = validate(ini("exec:enabled", "yes",
	    "exec:listen", "127.0.0.1:0", "exec:allow", " date -u , df  -h ",
	    NULL));

	ck_assert_ptr_nonnull(conf);
	ck_assert_uint_eq(conf->svcs[0].allow.n, 2);
	ck_assert_str_eq(conf->svcs[0].allow.v[0], "date -u");
	ck_assert_str_eq(conf->svcs[0].allow.v[1], "df  -h");
	config_free(conf);
	ck_assert_ptr_null(validate(ini("exec:enabled", "yes",
	    "exec:listen", "127.0.0.1:0", "exec:allow", "date, sh", NULL)));
	ck_assert(collected_has(&col, "[exec] allow: 'sh' is a shell, an"
	    " interpreter or a runner of other programs"));
	conf = validate(ini("exec:enabled", "yes", "exec:listen", "127.0.0.1:0",
	    "exec:allow", "date, sh", "exec:allow_interpreters", "yes", NULL));
	ck_assert_ptr_nonnull(conf);
	config_free(conf);
	ck_assert_ptr_null(validate(ini("exec:enabled", "yes",
	    "exec:listen", "127.0.0.1:0", "exec:allow", "date",
	    "exec:path", "bin:/usr/bin", NULL)));
	ck_assert(collected_has(&col, "[exec] path: 'bin' is not an absolute"
	    " directory"));
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("validate");

	tcase_add_test(tc, test_minimal_echo_defaults);
	tcase_add_test(tc, test_dict_path_relative_to_config);
	tcase_add_test(tc, test_unknown_key_named_with_hint);
	tcase_add_test(tc, test_key_of_another_kind_refused);
	tcase_add_test(tc, test_bad_values_named);
	tcase_add_test(tc, test_range_limits);
	tcase_add_test(tc, test_listen_required_and_checked);
	tcase_add_test(tc, test_duplicate_addresses);
	tcase_add_test(tc, test_wildcard_overlaps_and_v4mapped);
	tcase_add_test(tc, test_same_port_other_protocol_or_zero_is_fine);
	tcase_add_test(tc, test_disabled_services_do_not_clash);
	tcase_add_test(tc, test_unknown_kinds_and_sections);
	tcase_add_test(tc, test_no_enabled_service);
	tcase_add_test(tc, test_global_section);
	tcase_add_test(tc, test_every_error_reported);
	tcase_add_test(tc, test_blank_inside_an_entry_is_an_error);
	tcase_add_test(tc, test_exec_allow_entries_are_command_lines);
	tcase_add_test(tc, test_long_section_name_validates);
	suite_add_tcase(s, tc);
	tc = tcase_create("scan");
	tcase_add_test(tc, test_scan_clean_file);
	tcase_add_test(tc, test_scan_repeated_section);
	tcase_add_test(tc, test_scan_repeated_key);
	tcase_add_test(tc, test_scan_section_names);
	tcase_add_test(tc, test_scan_nul_byte);
	tcase_add_test(tc, test_conf_copy_equal_free);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(config_suite());
}
