/* test_messages: the table of error messages (every row in both languages, both taking the
 * same printf conversions in the same order, English in printable ASCII) and the parser's
 * messages as they come out in English and in Japanese, full-width characters included. */
#include "harness.h"
#include "messages.h"
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The conversions of a printf format, each as its '*'s, length and conversion ("lu", "*s"),
 * joined by spaces; flags, widths and precisions are left out (they cannot break the call). */
static void test_conversions(const char *fmt, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            continue;
        }
        if (*++p == '%') {
            continue;
        }
        char spec[16];
        size_t k = 0;
        for (; *p && strchr("-+ #0123456789.*", *p); p++) {
            if (*p == '*' && k < sizeof spec - 1) {
                spec[k++] = '*';
            }
        }
        for (; *p && strchr("hlLqjzt", *p) && k < sizeof spec - 1; p++) {
            spec[k++] = *p;
        }
        if (*p && k < sizeof spec - 1) {
            spec[k++] = *p;
        }
        spec[k] = '\0';
        used += (size_t)snprintf(out + used, n - used, "%s%s", used ? " " : "", spec);
        if (!*p || used >= n) {
            break;
        }
    }
}

static bool test_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) {
            return false;
        }
    }
    return true;
}

static void test_table(struct harness *h)
{
    for (int id = 0; id < MSG_COUNT; id++) {
        const char *en = msg_text(MSG_EN, (enum msg_id)id);
        const char *ja = msg_text(MSG_JA, (enum msg_id)id);
        char ce[128], cj[128];
        test_conversions(en, ce, sizeof ce);
        test_conversions(ja, cj, sizeof cj);
        if (!CHECK_STR(h, cj, ce) || !CHECK(h, test_ascii(en)) ||
            !CHECK(h, id == MSG_LIST_SEP || id == MSG_LIST_OR || strcmp(en, ja) != 0)) {
            fprintf(stderr, "    message %d: \"%s\" / \"%s\"\n", id, en, ja);
        }
    }
    char c[64];
    test_conversions("%-5s %%x %.*s at %lu:%lu %zu %.15g %04lX %.0s", c, sizeof c);
    CHECK_STR(h, c, "s *s lu lu zu g lX s");
    CHECK_INT(h, msg_lang_of("ja"), MSG_JA);
    CHECK_INT(h, msg_lang_of("en"), MSG_EN);
    CHECK_INT(h, msg_lang_of(NULL), MSG_EN);
    CHECK_INT(h, msg_lang(), MSG_EN); /* never set: English */
}

#define META "\"meta\": {\"id\": \"t\", \"title\": {\"ja\": \"t\", \"en\": \"t\"}}"

/* A scenario's text and its one error line in English and in Japanese, whole. */
struct test_case {
    const char *json;
    const char *en, *ja;
};

static const struct test_case test_cases[] = {
    /* full-width characters where JSON wants ASCII ones */
    {"{" META "，\"seed\": 1}",
     "t:1:54: error: JSON syntax error: expected ',' or '}', near '\\uff0c\"seed\": 1}'; U+FF0C is "
     "a full-width character: type the half-width ',' instead",
     "t:1:54: error: JSON の構文エラー: 「,」か「}」が必要です（'\\uff0c\"seed\": 1}' の付近。"
     "「，」(U+FF0C) は全角文字です。半角の「,」に直してください）"},
    {"{" META ",\n \"seed\"： 1}",
     "t:2:8: error: JSON syntax error: expected ':' after the key \"seed\", near '\\uff1a 1}'; "
     "U+FF1A is a full-width character: type the half-width ':' instead",
     "t:2:8: error: JSON の構文エラー: キー \"seed\" の後には「:」が必要です（'\\uff1a 1}' の付近。"
     "「：」(U+FF1A) は全角文字です。半角の「:」に直してください）"},
    {"{" META ",　\"seed\": 1}",
     "t:1:55: error: JSON syntax error: expected a key in double quotes, near '\\u3000\"seed\": "
     "1}'; U+3000 is a full-width space: type a half-width space instead",
     "t:1:55: error: JSON の構文エラー: ダブルクォートで囲んだキーが必要です（'\\u3000\"seed\": "
     "1}' の付近。U+3000 は全角スペースです。半角スペースに直してください）"},
    {"{“meta”: {}}",
     "t:1:2: error: JSON syntax error: expected a key in double quotes, near "
     "'\\u201cmeta\\u201d: {}}'; U+201C is a full-width quotation mark: JSON needs the half-width "
     "'\"'",
     "t:1:2: error: JSON の構文エラー: ダブルクォートで囲んだキーが必要です（'\\u201cmeta\\u201d: "
     "{}}' の付近。「“」(U+201C) は全角の引用符です。JSON では半角の「\"」を使います）"},
    {"｛}",
     "t:1:1: error: JSON syntax error: unexpected character, near '\\uff5b}'; U+FF5B is a "
     "full-width character: type the half-width '{' instead",
     "t:1:1: error: JSON の構文エラー: ここには書けない文字です（'\\uff5b}' の付近。「｛」"
     "(U+FF5B) は全角文字です。半角の「{」に直してください）"},
    /* other characters have no hint */
    {"{" META ", é: 1}",
     "t:1:56: error: JSON syntax error: expected a key in double quotes, near '\\u00e9: 1}'",
     "t:1:56: error: JSON の構文エラー: ダブルクォートで囲んだキーが必要です（'\\u00e9: 1}' "
     "の付近）"},
    /* syntax */
    {"{" META ", \"seed\": 1",
     "t:1:65: error: JSON syntax error: the file ends inside the object opened at 1:1 (is a '}' "
     "missing?)",
     "t:1:65: error: JSON の構文エラー: オブジェクト（1:1 で開始）の途中でファイルが終わっています"
     "（「}」が抜けていませんか？）"},
    {"{\"a\": \"x\n\"}",
     "t:1:7: error: JSON syntax error: unterminated string: it runs past the end of its line "
     "(close it with '\"'; inside a string write a line break as \\n)",
     "t:1:7: error: JSON の構文エラー: 文字列が閉じないまま行末を越えています（「\"」で閉じて"
     "ください。文字列の中の改行は \\n と書きます）"},
    {"{\"a\": [1, 2,]}",
     "t:1:12: error: JSON syntax error: a ',' before ']' (JSON allows no comma after the last "
     "item)",
     "t:1:12: error: JSON の構文エラー: 「]」の前に「,」があります（JSON では最後の要素の後に"
     "コンマを置けません）"},
    /* the tree */
    {"{" META ", \"seed\": \"one\"}",
     "t: error: at $.seed: expected a non-negative integer, got a string \"one\"",
     "t: error: at $.seed: 0 以上の整数が必要です（実際は文字列 \"one\"）"},
    {"{" META ", \"hostz\": []}",
     "t: error: at $: unknown key \"hostz\" at the top level; did you mean \"hosts\"? (expected "
     "one of: $schema, meta, seed, start, until, zones, hosts, links, accounts, agents, timeline, "
     "expect, taps, countermeasures, attacks, beats)",
     "t: error: at $: 不明なキー \"hostz\" at the top level。\"hosts\" の誤りではありませんか？"
     "（使えるキー: $schema, meta, seed, start, until, zones, hosts, links, accounts, agents, "
     "timeline, expect, taps, countermeasures, attacks, beats）"},
    {"{\"meta\": {\"id\": \"t\"}}", "t: error: at $.meta: missing required key \"title\"",
     "t: error: at $.meta: 必須のキー \"title\" がありません"},
    {"{\"meta\": {\"id\": \"t\", \"title\": \"t\"}}",
     "t: error: at $.meta.title: expected an object with a Japanese and an English text {\"ja\": "
     "\"...\", \"en\": \"...\"}, got a string \"t\"",
     "t: error: at $.meta.title: 日本語と英語のテキストを持つオブジェクト {\"ja\": \"...\", "
     "\"en\": "
     "\"...\"}が必要です（実際は文字列 \"t\"）"},
};

static void test_parse_messages(struct harness *h)
{
    for (size_t i = 0; i < sizeof test_cases / sizeof test_cases[0]; i++) {
        const struct test_case *tc = &test_cases[i];
        for (int lang = MSG_EN; lang <= MSG_JA; lang++) {
            msg_set_lang((enum msg_lang)lang);
            char err[1024] = "";
            struct scenario *s = scenario_parse(tc->json, strlen(tc->json), "t", err, sizeof err);
            CHECK(h, s == NULL);
            scenario_free(s);
            if (!CHECK_STR(h, err, lang == MSG_JA ? tc->ja : tc->en)) {
                fprintf(stderr, "    case %zu\n", i);
            }
        }
    }
    msg_set_lang(MSG_EN);
}

int main(void)
{
    struct harness h = {"test_messages", 0, 0};
    test_table(&h);
    test_parse_messages(&h);
    return harness_finish(&h);
}
