/* messages: the error messages about scenario files, scenario names and the command line's
 * usage, in English and Japanese — one row per message with both texts, so that neither can
 * go missing. They live here and not in assets/strings/ because they must be there when the
 * data directory is not (the parser reads no file of its own). */
#ifndef MAILSIM_MESSAGES_H
#define MAILSIM_MESSAGES_H

enum msg_lang { MSG_EN, MSG_JA };

/* One X(id) per message; the texts are in messages.c. */
/* clang-format off */
#define MSG_IDS(X)                                                                                 \
    /* the text's syntax (scenario_text.c) */                                                      \
    X(MSG_SYN_UNTERMINATED_EOF) X(MSG_SYN_UNTERMINATED_EOL) X(MSG_SYN_CONTROL_CHAR)                \
    X(MSG_SYN_BAD_ESCAPE) X(MSG_SYN_HEX4) X(MSG_SYN_NUL_ESCAPE) X(MSG_SYN_LOW_SURROGATE)           \
    X(MSG_SYN_HIGH_SURROGATE) X(MSG_SYN_NUMBER_LONG) X(MSG_SYN_NOT_NUMBER) X(MSG_SYN_LOWERCASE)    \
    X(MSG_SYN_UNEXPECTED) X(MSG_SYN_BARE_TEXT) X(MSG_SYN_COMMENT) X(MSG_SYN_AFTER_END)             \
    X(MSG_SYN_COLON) X(MSG_SYN_BAD_CLOSE) X(MSG_SYN_TRAILING_COMMA) X(MSG_SYN_MISSING_COMMA)       \
    X(MSG_SYN_COMMA_OR_CLOSE) X(MSG_SYN_SINGLE_QUOTES) X(MSG_SYN_KEY) X(MSG_SYN_TOO_DEEP)          \
    X(MSG_SYN_VALUE_BEFORE) X(MSG_SYN_EOF_INSIDE) X(MSG_SYN_ONLY_SPACE) X(MSG_SYN_NUL_BYTE)        \
    X(MSG_SYN_BAD_UTF8_NUL) X(MSG_SYN_BAD_UTF8) X(MSG_SYN_CJSON) X(MSG_NEAR) X(MSG_AT_END)         \
    X(MSG_OBJECT) X(MSG_ARRAY) X(MSG_WIDE_CHAR) X(MSG_WIDE_SPACE) X(MSG_WIDE_QUOTE)                \
    /* the tree's keys and values (scenario_json.c) */                                             \
    X(MSG_EXPECTED_GOT) X(MSG_EXPECTED_NONEMPTY) X(MSG_GOT_STRING) X(MSG_GOT_NUMBER)               \
    X(MSG_AN_OBJECT) X(MSG_AN_ARRAY) X(MSG_A_STRING) X(MSG_A_NONEMPTY_STRING) X(MSG_A_BOOL)        \
    X(MSG_A_UINT) X(MSG_AN_INT_FROM) X(MSG_AN_INT_RANGE) X(MSG_A_DURATION) X(MSG_A_TEXT)           \
    X(MSG_EMPTY_STRING) X(MSG_UNKNOWN_KEY) X(MSG_KEY_MEAN) X(MSG_MEAN) X(MSG_KEY_TWICE)            \
    X(MSG_MISSING_KEY) X(MSG_TOO_MANY) X(MSG_ONE_OF) X(MSG_ALREADY_ID) X(MSG_OUT_OF_MEMORY)        \
    /* scenario names and files (catalog.c) */                                                     \
    X(MSG_NO_SCENARIO) X(MSG_NO_SCENARIO_MEAN) X(MSG_IS_DIRECTORY) X(MSG_CANNOT_OPEN)              \
    X(MSG_NO_SUCH_FILE) X(MSG_NO_PERMISSION)                                                       \
    /* usage (main.c, cli_opts.c) */                                                               \
    X(MSG_TRY_HELP) X(MSG_UNKNOWN_OPTION) X(MSG_NEEDS_VALUE) X(MSG_NOT_ITS_OPTION)                 \
    X(MSG_TWO_SCENARIOS) X(MSG_IS_NOT) X(MSG_LIST_SEP) X(MSG_LIST_OR) X(MSG_NOT_UINT)              \
    X(MSG_NOT_REAL) X(MSG_NOT_STEP) X(MSG_NOT_BEAT) X(MSG_NOT_WHOLE) X(MSG_NOT_SIZE) X(MSG_CHECK_NEEDS)            \
    X(MSG_SHOT_STEP_OR_TIME) X(MSG_SHOT_NOT_BOTH) X(MSG_SHOT_OUT) X(MSG_SHOT_ANSWER)               \
    X(MSG_SHOT_SPEED) X(MSG_SHOT_TRACE) X(MSG_SHOT_SEED)
/* clang-format on */

#define MSG_ENUM(id) id,
enum msg_id { MSG_IDS(MSG_ENUM) MSG_COUNT };
#undef MSG_ENUM

/* The printf format of id in lang. Both languages of a message take the same conversions in
 * the same order (test_messages checks it). Static storage. */
const char *msg_text(enum msg_lang lang, enum msg_id id);

/* MSG_JA for "ja", MSG_EN for anything else (NULL too). */
enum msg_lang msg_lang_of(const char *lang);

/* The language of this process's messages, like its locale a setting of the whole process:
 * main sets it once, from --lang or the locale, before it reads a scenario or starts a thread;
 * the parser takes it into each parse's context. Never set (a test, a fuzzer): English. */
enum msg_lang msg_lang(void);
void msg_set_lang(enum msg_lang lang);

#endif
