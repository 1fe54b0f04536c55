/* SPDX-License-Identifier: MIT */
/* check_dict_registry.c: the core's registry of loaded dictionary tables. */
#include <check.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "dict.h"
#include "dict_registry.h"
#include "dictd_match.h"
#include "run_suite.h"

static const char text[] = "apple:a\nwater:w\n";

static struct dict *
table(void)
{
	struct dict *d = dict_parse(text, sizeof text - 1, "t.txt", NULL);

	ck_assert_ptr_nonnull(d);
	return d;
}

START_TEST(test_publish_find_withdraw)
{
	struct event_base *base = event_base_new();
	struct dict_registry r;
	struct dict *d1 = table(), *d2 = table();
	const struct dict_entry *e;
	int owner1, owner2;
	uint64_t gen;

	ck_assert_int_eq(dict_registry_init(&r, base), 0);
	ck_assert_ptr_null(dict_registry_find(&r, "dict"));
	ck_assert_int_eq(dict_registry_publish(&r, &owner1, "dict", d1,
	    "/nonexistent", 5), 0);
	e = dict_registry_find(&r, "DICT");	/* any case */
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_eq(e->dict, d1);
	ck_assert_int_eq(e->ix_ready, 0);
	gen = e->gen;
	/* No DICT service uses the indexes: none is built. */
	event_base_loop(base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(dict_registry_find(&r, "dict")->ix_ready, 0);
	ck_assert_ptr_null(dict_registry_find(&r, "dict")->ix);
	/* Once one does, the index builds in the loop's turns. */
	dict_registry_use_indexes(&r, 1);
	event_base_loop(base, EVLOOP_NONBLOCK);
	e = dict_registry_find(&r, "dict");
	ck_assert_int_eq(e->ix_ready, 1);
	ck_assert_uint_eq(dictd_index_size(e->ix), 2);
	/* A reload's new instance of the same section: the newest answers. */
	ck_assert_int_eq(dict_registry_publish(&r, &owner2, "dict", d2,
	    "/nonexistent", 6), 0);
	e = dict_registry_find(&r, "dict");
	ck_assert_ptr_eq(e->dict, d2);
	ck_assert_uint_ne(e->gen, gen);
	/* Its plan dropped: the old one answers again. */
	dict_registry_withdraw(&r, &owner2);
	ck_assert_ptr_eq(dict_registry_find(&r, "dict")->dict, d1);
	/* Republishing (a swap) is a new generation. */
	ck_assert_int_eq(dict_registry_publish(&r, &owner1, "dict", d2,
	    "/nonexistent", 7), 0);
	ck_assert_uint_gt(dict_registry_find(&r, "dict")->gen, gen);
	dict_registry_withdraw(&r, &owner1);
	ck_assert_ptr_null(dict_registry_find(&r, "dict"));
	dict_registry_free(&r);
	dict_free(d1);
	dict_free(d2);
	event_base_free(base);
}
END_TEST

START_TEST(test_licence_line)
{
	static const char head[] = "# dict.txt: words\n# (x, MIT: see LICENSE)\n"
	    "# Words are licensed under CC BY-SA 4.0: see\n# LICENSE.cedict.\n"
	    "# more\na:b\n";
	static const char none[] = "# no word of it\na:b\n# licensed\n";
	char out[DICT_REGISTRY_LICENCE_MAX + 1];

	ck_assert_uint_gt(dict_registry_licence(head, sizeof head - 1, out,
	    sizeof out), 0);
	ck_assert_str_eq(out, "Words are licensed under CC BY-SA 4.0: see"
	    " LICENSE.cedict.");
	ck_assert_uint_eq(dict_registry_licence(none, sizeof none - 1, out,
	    sizeof out), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_gt(dict_registry_licence(head, sizeof head - 1, out, 8),
	    0);
	ck_assert_str_eq(out, "Words a");
}
END_TEST

static Suite *
registry_suite(void)
{
	Suite *s = suite_create("dict_registry");
	TCase *tc = tcase_create("registry");

	tcase_add_test(tc, test_publish_find_withdraw);
	tcase_add_test(tc, test_licence_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(registry_suite());
}
