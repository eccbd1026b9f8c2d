/* messages: the table of error messages, English and Japanese side by side, and the process's
 * message language. */
#include "messages.h"

#include <stdlib.h>
#include <string.h>

struct msg_row {
    const char *en, *ja;
};

/* "JSON syntax error" is 「JSON の構文エラー」; 全角 and 半角 are the words of the exam and of
 * Japanese keyboards. */
static const struct msg_row msg_rows[MSG_COUNT] = {
    [MSG_SYN_UNTERMINATED_EOF] = {"JSON syntax error: unterminated string: the file ends before "
                                  "its closing '\"'",
                                  "JSON の構文エラー: 文字列が閉じていません。閉じる「\"」より前で"
                                  "ファイルが終わっています"},
    [MSG_SYN_UNTERMINATED_EOL] = {"JSON syntax error: unterminated string: it runs past the end "
                                  "of its line (close it with '\"'; inside a string write a line "
                                  "break as \\n)",
                                  "JSON の構文エラー: 文字列が閉じないまま行末を越えています"
                                  "（「\"」で閉じてください。文字列の中の改行は \\n と書きます）"},
    [MSG_SYN_CONTROL_CHAR] = {"JSON syntax error: control character U+%04X inside a string "
                              "(write it escaped: \\t for a tab, or \\u%04X)",
                              "JSON の構文エラー: 文字列の中に制御文字 U+%04X があります"
                              "（エスケープして書いてください。タブは \\t、ほかは \\u%04X）"},
    [MSG_SYN_BAD_ESCAPE] = {"JSON syntax error: invalid escape '%s' in a string (JSON knows "
                            "\\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX; write a backslash as "
                            "\\\\)",
                            "JSON の構文エラー: 文字列の中のエスケープ '%s' は使えません"
                            "（JSON のエスケープは \\\" \\\\ \\/ \\b \\f \\n \\r \\t と \\uXXXX "
                            "です。バックスラッシュ自体は \\\\ と書きます）"},
    [MSG_SYN_HEX4] = {"JSON syntax error: \\u needs four hex digits, %s",
                      "JSON の構文エラー: \\u の後には 16 進数 4 桁が必要です（%s）"},
    [MSG_SYN_NUL_ESCAPE] = {"\\u0000 (a NUL character) is not allowed in a string",
                            "文字列の中に \\u0000（NUL 文字）は書けません"},
    [MSG_SYN_LOW_SURROGATE] = {"JSON syntax error: \\u%04X is half of a surrogate pair without "
                               "its first half",
                               "JSON の構文エラー: \\u%04X はサロゲートペアの後半ですが、前半が"
                               "ありません"},
    [MSG_SYN_HIGH_SURROGATE] = {"JSON syntax error: \\u%04X must be followed by the second half "
                                "of its surrogate pair (\\uDC00-\\uDFFF)",
                                "JSON の構文エラー: \\u%04X の後にはサロゲートペアの後半"
                                "（\\uDC00-\\uDFFF）が必要です"},
    [MSG_SYN_NUMBER_LONG] = {"a number longer than %d characters",
                             "数値が長すぎます（%d 文字まで）"},
    [MSG_SYN_NOT_NUMBER] = {"JSON syntax error: not a number, %s (text such as \"10ms\" is a "
                            "string and needs double quotes)",
                            "JSON の構文エラー: 数値になっていません（%s）。\"10ms\" のような"
                            "テキストは文字列なので、ダブルクォートで囲みます"},
    [MSG_SYN_LOWERCASE] = {"JSON syntax error: write true, false and null in lowercase, %s",
                           "JSON の構文エラー: true、false、null は小文字で書きます（%s）"},
    [MSG_SYN_UNEXPECTED] = {"JSON syntax error: unexpected character, %s",
                            "JSON の構文エラー: ここには書けない文字です（%s）"},
    [MSG_SYN_BARE_TEXT] = {"JSON syntax error: text without quotes, %s (a string needs double "
                           "quotes)",
                           "JSON の構文エラー: 引用符のないテキストです（%s）。文字列は"
                           "ダブルクォートで囲みます"},
    [MSG_SYN_COMMENT] = {"JSON syntax error: comments are not allowed in JSON",
                         "JSON の構文エラー: JSON にはコメントを書けません"},
    [MSG_SYN_AFTER_END] = {"JSON syntax error: unexpected text after the end of the JSON value, "
                           "%s",
                           "JSON の構文エラー: JSON の値が終わった後に余分なテキストがあります"
                           "（%s）"},
    [MSG_SYN_COLON] = {"JSON syntax error: expected ':' after the key \"%s\", %s",
                       "JSON の構文エラー: キー \"%s\" の後には「:」が必要です（%s）"},
    [MSG_SYN_BAD_CLOSE] = {"JSON syntax error: '%c' cannot close the %s opened at %lu:%lu (is a "
                           "'%c' missing before it?)",
                           "JSON の構文エラー: 「%c」では%s（%lu:%lu で開始）を閉じられません"
                           "（その前に「%c」が抜けていませんか？）"},
    [MSG_SYN_TRAILING_COMMA] = {"JSON syntax error: a ',' before '%c' (JSON allows no comma "
                                "after the last item)",
                                "JSON の構文エラー: 「%c」の前に「,」があります（JSON では最後の"
                                "要素の後にコンマを置けません）"},
    [MSG_SYN_MISSING_COMMA] = {"JSON syntax error: expected ',' or '%c' after this value, before "
                               "%s (is a comma missing?)",
                               "JSON の構文エラー: この値の後には「,」か「%c」が必要です（%s の"
                               "前。コンマが抜けていませんか？）"},
    [MSG_SYN_COMMA_OR_CLOSE] = {"JSON syntax error: expected ',' or '%c', %s",
                                "JSON の構文エラー: 「,」か「%c」が必要です（%s）"},
    [MSG_SYN_SINGLE_QUOTES] = {"JSON syntax error: single quotes, %s (JSON strings need double "
                               "quotes)",
                               "JSON の構文エラー: シングルクォートは使えません（%s）。JSON の"
                               "文字列はダブルクォートで囲みます"},
    [MSG_SYN_KEY] = {"JSON syntax error: expected a key in double quotes, %s",
                     "JSON の構文エラー: ダブルクォートで囲んだキーが必要です（%s）"},
    [MSG_SYN_TOO_DEEP] = {"nested too deeply: more than %d levels of arrays and objects",
                          "入れ子が深すぎます（配列とオブジェクトは %d 段まで）"},
    [MSG_SYN_VALUE_BEFORE] = {"JSON syntax error: expected a value before '%c'",
                              "JSON の構文エラー: 「%c」の前に値が必要です"},
    [MSG_SYN_EOF_INSIDE] = {"JSON syntax error: the file ends inside the %s opened at %lu:%lu (is "
                            "a '%c' missing?)",
                            "JSON の構文エラー: %s（%lu:%lu で開始）の途中でファイルが終わって"
                            "います（「%c」が抜けていませんか？）"},
    [MSG_SYN_ONLY_SPACE] = {"the file holds no JSON value, only white space",
                            "ファイルに JSON の値がありません（空白だけです）"},
    [MSG_SYN_NUL_BYTE] = {"a NUL byte: this is not UTF-8 text (a binary file?)",
                          "NUL バイトがあります。UTF-8 のテキストではありません（バイナリ"
                          "ファイルではありませんか？）"},
    [MSG_SYN_BAD_UTF8_NUL] = {"invalid UTF-8 (byte 0x%02x): this is not UTF-8 text (it holds NUL "
                              "bytes too: a binary file?)",
                              "UTF-8 として正しくないバイト 0x%02x があります。UTF-8 のテキスト"
                              "ではありません（NUL バイトもあります。バイナリファイルではあり"
                              "ませんか？）"},
    [MSG_SYN_BAD_UTF8] = {"invalid UTF-8 (byte 0x%02x): this is not UTF-8 text (save the file as "
                          "UTF-8, not Shift_JIS or Latin-1)",
                          "UTF-8 として正しくないバイト 0x%02x があります。UTF-8 のテキストでは"
                          "ありません（Shift_JIS や Latin-1 ではなく UTF-8 で保存してください）"},
    [MSG_SYN_CJSON] = {"JSON syntax error %s", "JSON の構文エラー（%s）"},
    [MSG_NEAR] = {"near %s", "%s の付近"},
    [MSG_AT_END] = {"at the end of the file", "ファイルの末尾"},
    [MSG_OBJECT] = {"object", "オブジェクト"},
    [MSG_ARRAY] = {"array", "配列"},
    /* English messages are ASCII: "%.0s" takes the character without showing it. */
    [MSG_WIDE_CHAR] = {"; %.0sU+%04lX is a full-width character: type the half-width '%c' instead",
                       "。「%s」(U+%04lX) は全角文字です。半角の「%c」に直してください"},
    [MSG_WIDE_SPACE] = {"; U+3000 is a full-width space: type a half-width space instead",
                        "。U+3000 は全角スペースです。半角スペースに直してください"},
    [MSG_WIDE_QUOTE] = {"; %.0sU+%04lX is a full-width quotation mark: JSON needs the half-width "
                        "'\"'",
                        "。「%s」(U+%04lX) は全角の引用符です。JSON では半角の「\"」を使います"},

    [MSG_EXPECTED_GOT] = {"expected %s, got %s%s", "%sが必要です（実際は%s）%s"},
    [MSG_EXPECTED_NONEMPTY] = {"expected a non-empty %s", "空でない%sが必要です"},
    [MSG_GOT_STRING] = {"a string %s", "文字列 %s"},
    [MSG_GOT_NUMBER] = {"the number %.15g", "数値 %.15g"},
    [MSG_AN_OBJECT] = {"an object", "オブジェクト"},
    [MSG_AN_ARRAY] = {"an array", "配列"},
    [MSG_A_STRING] = {"a string", "文字列"},
    [MSG_A_NONEMPTY_STRING] = {"a non-empty string", "空でない文字列"},
    [MSG_A_BOOL] = {"true or false", "true か false"},
    [MSG_A_UINT] = {"a non-negative integer", "0 以上の整数"},
    [MSG_AN_INT_FROM] = {"an integer >= %lld", "%lld 以上の整数"},
    [MSG_AN_INT_RANGE] = {"an integer from %lld to %lld", "%lld から %lld までの整数"},
    [MSG_A_DURATION] = {"a duration such as \"250us\", \"1500ms\", \"2s\", \"5m\" or \"1h\"",
                        "\"250us\"、\"1500ms\"、\"2s\"、\"5m\"、\"1h\" のような時間"},
    [MSG_A_TEXT] = {"an object with a Japanese and an English text {\"ja\": \"...\", \"en\": "
                    "\"...\"}",
                    "日本語と英語のテキストを持つオブジェクト {\"ja\": \"...\", \"en\": "
                    "\"...\"}"},
    [MSG_EMPTY_STRING] = {"expected %s, got an empty string", "%sが必要です（実際は空の文字列）"},
    [MSG_UNKNOWN_KEY] = {"unknown key %s%s%s%s (expected one of: %s)",
                         "不明なキー %s%s%s%s（使えるキー: %s）"},
    [MSG_KEY_MEAN] = {"; did you mean \"%s\"?", "。\"%s\" の誤りではありませんか？"},
    [MSG_MEAN] = {" (did you mean %s?)", "（%s の誤りではありませんか？）"},
    [MSG_KEY_TWICE] = {"the key appears twice in one object",
                       "同じオブジェクトに同じキーが 2 回あります"},
    [MSG_MISSING_KEY] = {"missing required key \"%s\"", "必須のキー \"%s\" がありません"},
    [MSG_TOO_MANY] = {"too many entries (more than %d)", "要素が多すぎます（%d 個まで）"},
    [MSG_ONE_OF] = {"expected one of %s, got %s%s", "%s のどれかが必要です（実際は %s）%s"},
    [MSG_ALREADY_ID] = {"\"%s\" is already the id of %s[%zu]",
                        "\"%s\" は %s[%zu] の id としてすでに使われています"},
    [MSG_OUT_OF_MEMORY] = {"out of memory", "メモリが足りません"},

    [MSG_NO_SCENARIO] = {"%s: error: no such file, and no bundled scenario of that name (see "
                         "`mailsim list`)",
                         "%s: error: そのようなファイルはなく、その名前の同梱シナリオもありません"
                         "（同梱シナリオは `mailsim list` で確かめられます）"},
    [MSG_NO_SCENARIO_MEAN] = {"%s: error: no such file, and no bundled scenario of that name; did "
                              "you mean \"%s\"? (see `mailsim list`)",
                              "%s: error: そのようなファイルはなく、その名前の同梱シナリオも"
                              "ありません。\"%s\" の誤りではありませんか？（同梱シナリオは "
                              "`mailsim list` で確かめられます）"},
    [MSG_IS_DIRECTORY] = {"%s: error: is a directory, not a scenario file (a scenario is a .json "
                          "file; `mailsim list` shows the bundled ones)",
                          "%s: error: ディレクトリです。シナリオファイルではありません（シナリオ"
                          "は .json ファイルです。同梱シナリオは `mailsim list` で確かめられ"
                          "ます）"},
    [MSG_CANNOT_OPEN] = {"%s: error: cannot open: %s", "%s: error: 開けません: %s"},
    [MSG_NO_SUCH_FILE] = {"No such file or directory", "ファイルがありません"},
    [MSG_NO_PERMISSION] = {"Permission denied", "読み取りの権限がありません"},

    [MSG_TRY_HELP] = {"Try 'mailsim --help'.", "使い方は 'mailsim --help' で確かめられます。"},
    [MSG_UNKNOWN_OPTION] = {"unknown option %s", "不明なオプション %s"},
    [MSG_NEEDS_VALUE] = {"option %s needs a value", "オプション %s には値が必要です"},
    [MSG_NOT_ITS_OPTION] = {"option %s is not one of %s's", "オプション %s は %s では使えません"},
    [MSG_TWO_SCENARIOS] = {"more than one scenario given (\"%s\")",
                           "シナリオが 2 つ以上指定されています（\"%s\"）"},
    [MSG_IS_NOT] = {"is not %s", "は %s のどれでもありません"},
    [MSG_LIST_SEP] = {", ", "、"},
    [MSG_LIST_OR] = {" or ", "、"},
    [MSG_NOT_UINT] = {"is not a non-negative integer", "は 0 以上の整数ではありません"},
    [MSG_NOT_REAL] = {"is not a number from %g to %g", "は %g から %g までの数ではありません"},
    [MSG_NOT_STEP] = {"is not a whole step number", "はステップの番号（整数）ではありません"},
    [MSG_NOT_BEAT] = {"is not a whole beat number", "は場面の番号（整数）ではありません"},
    [MSG_NOT_WHOLE] = {"is not a whole number", "は整数ではありません"},
    [MSG_NOT_SIZE] = {"is not WIDTHxHEIGHT (64 to 8192 pixels each)",
                      "は 幅x高さ の形ではありません（どちらも 64 から 8192 ピクセル）"},
    [MSG_CHECK_NEEDS] = {"check needs at least one scenario",
                         "check にはシナリオを 1 つ以上指定してください"},
    [MSG_SHOT_STEP_OR_TIME] = {"shot needs one of --step N, --beat N and --time T",
                               "shot には --step N、--beat N、--time T のどれか1つが必要です"},
    [MSG_SHOT_NOT_BOTH] =
        {"shot needs only one of --step N, --beat N and --time T",
         "shot には --step N、--beat N、--time T のどれか1つだけを指定してください"},
    [MSG_SHOT_OUT] = {"shot needs --out FILE.png (or --stats)",
                      "shot には --out FILE.png（または --stats）が必要です"},
    [MSG_SHOT_ANSWER] = {"--answer goes with --quiz N|ID",
                         "--answer は --quiz N|ID と組み合わせて使います"},
    [MSG_SHOT_SPEED] = {"--speed goes with --frames N",
                        "--speed は --frames N と組み合わせて使います"},
    [MSG_SHOT_TRACE] = {"shot draws a SCENARIO or --trace RUN.jsonl, not both",
                        "shot が描くのは SCENARIO か --trace RUN.jsonl のどちらか一方です"},
    [MSG_SHOT_SEED] = {"--seed goes with a scenario: a recorded trace was run with its own",
                       "--seed はシナリオと組み合わせて使います（記録したトレースは記録時の"
                       "シードで実行済みです）"},
};

const char *msg_text(enum msg_lang lang, enum msg_id id)
{
    if ((unsigned)id >= MSG_COUNT || !msg_rows[id].en) {
        abort(); /* a message without a row: a broken table, not bad input */
    }
    return lang == MSG_JA && msg_rows[id].ja ? msg_rows[id].ja : msg_rows[id].en;
}

enum msg_lang msg_lang_of(const char *lang)
{
    return lang && strcmp(lang, "ja") == 0 ? MSG_JA : MSG_EN;
}

/* The one setting of the whole process (see msg_lang in the header). */
static enum msg_lang msg_process_lang = MSG_EN;

enum msg_lang msg_lang(void)
{
    return msg_process_lang;
}

void msg_set_lang(enum msg_lang lang)
{
    msg_process_lang = lang;
}
