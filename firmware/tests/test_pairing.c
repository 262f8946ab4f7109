/* sb_pairing: misuse, the boot window, one new bond per window, the button, known peers, encryption. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sb_pairing.h"

static void test_misuse(void **state)
{
    (void)state;
    sb_pairing_t p;
    sb_pairing_settings_t s = sb_pairing_default_settings;
    assert_int_equal(sb_pairing_init(NULL, &s, false, 0), SB_ERR_NULL);
    assert_int_equal(sb_pairing_init(&p, NULL, false, 0), SB_ERR_NULL);
    s.button_window_s = 0;
    assert_int_equal(sb_pairing_init(&p, &s, false, 0), SB_ERR_ARG);
    assert_int_equal(sb_pairing_button(NULL, 0), SB_ERR_NULL);
    assert_false(sb_pairing_window_open(NULL, 0));
    assert_false(sb_pairing_accept(NULL, true, 0));
    assert_int_equal(sb_pairing_set(NULL, &s), SB_ERR_NULL);
    assert_int_equal(sb_pairing_init(&p, &sb_pairing_default_settings, false, 0), SB_OK);
    assert_int_equal(sb_pairing_set(&p, &s), SB_ERR_ARG); /* button window 0 */
    s.button_window_s = 5;
    assert_int_equal(sb_pairing_set(&p, &s), SB_OK);
    assert_int_equal(sb_pairing_button(&p, 1000), SB_OK);
    assert_true(sb_pairing_window_open(&p, 5999));
    assert_false(sb_pairing_window_open(&p, 6000));
}

static void test_windows(void **state)
{
    (void)state;
    sb_pairing_t p;
    assert_int_equal(sb_pairing_init(&p, &sb_pairing_default_settings, false, 500), SB_OK);
    assert_true(sb_pairing_window_open(&p, 60499));
    assert_false(sb_pairing_window_open(&p, 60500));
    assert_true(sb_pairing_accept(&p, false, 30000)); /* inside the boot window */
    assert_true(p.bonded);
    assert_false(sb_pairing_accept(&p, false, 30001)); /* the window closed with the bond */
    assert_int_equal(p.refused_bonds, 1);
    assert_true(sb_pairing_accept(&p, true, 999999999)); /* a known peer always */
    assert_int_equal(sb_pairing_button(&p, 100000), SB_OK);
    assert_true(sb_pairing_window_open(&p, 159999));
    assert_false(sb_pairing_accept(&p, false, 160000));
    assert_int_equal(p.refused_bonds, 2);
    assert_true(sb_pairing_link_allowed(true));
    assert_false(sb_pairing_link_allowed(false));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_windows),
    };
    return cmocka_run_group_tests_name("pairing", tests, NULL, NULL);
}
