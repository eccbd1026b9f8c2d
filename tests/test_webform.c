/* test_webform: the contact form of the header-injection scenario, piece by piece — which field
 * holds a line break, the message its script pastes together, and what `msmtp [-t]` makes of
 * that text (recipients read from To:, Cc: and Bcc:, Bcc: lines removed, every line end made
 * CRLF). Table-driven; each text is also given with LF, CRLF and lone CR line ends. */
#include "harness.h"
#include "webform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- which field holds a line break -------------------------------------------------------- */

struct field_case {
    struct webform_fields f;
    const char *want; /* NULL: none */
};

static const struct field_case field_cases[] = {
    {{"Hanako", "hanako@b.example", "Request for a quote", "line one\nline two\n"}, NULL},
    {{"Sales", "sales@spam.example", "Hello\r\nBcc: ken@c.example", "buy"}, "subject"},
    {{"Sales", "sales@spam.example", "Hello\nBcc: ken@c.example", NULL}, "subject"},
    {{"Sales", "sales@spam.example", "Hello\rBcc: ken@c.example", NULL}, "subject"},
    {{"Sales", "x@spam.example\r\nCc: ken@c.example", "Hello", NULL}, "email"},
    {{"Sales\r\nBcc: ken@c.example", "x@spam.example\nCc: y", "Hello\n", NULL}, "name"},
    {{NULL, NULL, NULL, NULL}, NULL},
    /* The message is the body: its line breaks are text, not headers. */
    {{"", "", "", "Bcc: ken@c.example\r\n"}, NULL},
};

static void test_fields(struct harness *h)
{
    for (size_t i = 0; i < sizeof field_cases / sizeof field_cases[0]; i++) {
        const char *got = webform_header_field_with_newline(&field_cases[i].f);
        if (field_cases[i].want) {
            if (!CHECK_STR(h, got, field_cases[i].want)) {
                fprintf(stderr, "    case %zu\n", i);
            }
        } else if (!CHECK(h, got == NULL)) {
            fprintf(stderr, "    case %zu: got %s\n", i, got);
        }
    }
}

/* ---- address lists ------------------------------------------------------------------------- */

struct addr_case {
    const char *value;
    const char *want; /* the addresses, comma-joined */
};

static const struct addr_case addr_cases[] = {
    {" info@a.example", "info@a.example"},
    {" ken@c.example, mei@c.example", "ken@c.example,mei@c.example"},
    {" Ken <ken@c.example>,\"Mei, M.\" <mei@c.example>", "ken@c.example,mei@c.example"},
    {" undisclosed-recipients:;", ""},
    {" friends: ken@c.example, mei@c.example;", "ken@c.example,mei@c.example"},
    {" ken@c.example, KEN@c.example", "ken@c.example"},
    {" no address here, , ,", ""},
    {"", ""},
};

static void join(char **v, size_t n, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(out + used, cap - used, "%s%s", i ? "," : "", v[i]);
        if (w > 0 && (size_t)w < cap - used) {
            used += (size_t)w;
        }
    }
}

static void free_all(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

static void test_addresses(struct harness *h)
{
    for (size_t i = 0; i < sizeof addr_cases / sizeof addr_cases[0]; i++) {
        char **v = NULL;
        size_t n = 0;
        char got[256];
        webform_addresses(addr_cases[i].value, &v, &n);
        join(v, n, got, sizeof got);
        if (!CHECK_STR(h, got, addr_cases[i].want)) {
            fprintf(stderr, "    value: \"%s\"\n", addr_cases[i].value);
        }
        free_all(v, n);
    }
}

/* ---- msmtp [-t] ---------------------------------------------------------------------------- */

struct sendmail_case {
    const char *name;
    const char *text; /* lines ended by LF */
    bool read_recipients;
    const char *want_rcpts;
    const char *want_msg; /* lines ended by CRLF */
};

static const struct sendmail_case sendmail_cases[] = {
    {"plain: the fixed recipient", "To: info@a.example\nSubject: [Contact] hi\n\nbody\n", true,
     "info@a.example", "To: info@a.example\r\nSubject: [Contact] hi\r\n\r\nbody\r\n"},
    {"an injected Bcc: read, then removed",
     "To: info@a.example\nSubject: [Contact] Hello\nBcc: ken@c.example, mei@c.example\nDate: x\n\n"
     "spam\n",
     true, "info@a.example,ken@c.example,mei@c.example",
     "To: info@a.example\r\nSubject: [Contact] Hello\r\nDate: x\r\n\r\nspam\r\n"},
    {"a folded Bcc: and an injected Cc:, which stays",
     "To: info@a.example\nBcc: ken@c.example,\n mei@c.example\nCc: eve@c.example\n\nx\n", true,
     "info@a.example,ken@c.example,mei@c.example,eve@c.example",
     "To: info@a.example\r\nCc: eve@c.example\r\n\r\nx\r\n"},
    {"without -t: the Bcc: line still goes, its addresses add nothing",
     "To: info@a.example\nSubject: [Contact] Hello\nBcc: ken@c.example\n\nspam\n", false, "",
     "To: info@a.example\r\nSubject: [Contact] Hello\r\n\r\nspam\r\n"},
    {"a Bcc: in the body is text", "To: info@a.example\n\nBcc: ken@c.example\n", true,
     "info@a.example", "To: info@a.example\r\n\r\nBcc: ken@c.example\r\n"},
    {"case of field names does not matter", "to: info@a.example\nBCC: ken@c.example\n\nx\n", true,
     "info@a.example,ken@c.example", "to: info@a.example\r\n\r\nx\r\n"},
    {"a header with no body and no final line end", "To: info@a.example\nBcc: ken@c.example", true,
     "info@a.example,ken@c.example", "To: info@a.example\r\n"},
    {"a field that only starts like Bcc is kept", "To: info@a.example\nBccX: ken@c.example\n\nx\n",
     true, "info@a.example", "To: info@a.example\r\nBccX: ken@c.example\r\n\r\nx\r\n"},
};

/* text with every LF replaced by end ("\r\n" or "\r"). */
static char *with_ends(const char *text, const char *end)
{
    size_t n = strlen(text), k = strlen(end);
    char *out = malloc(n * k + 1);
    if (!out) {
        abort();
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '\n') {
            memcpy(out + o, end, k);
            o += k;
        } else {
            out[o++] = text[i];
        }
    }
    out[o] = 0;
    return out;
}

static void test_sendmail(struct harness *h)
{
    static const char *const ends[] = {"\n", "\r\n", "\r"};
    for (size_t i = 0; i < sizeof sendmail_cases / sizeof sendmail_cases[0]; i++) {
        const struct sendmail_case *c = &sendmail_cases[i];
        for (size_t e = 0; e < 3; e++) {
            char *text = with_ends(c->text, ends[e]);
            struct buf msg;
            buf_init(&msg, 0);
            char **v = NULL;
            size_t n = 0;
            webform_sendmail((const uint8_t *)text, strlen(text), c->read_recipients, &msg, &v, &n);
            char got[256];
            join(v, n, got, sizeof got);
            bool ok = CHECK_STR(h, got, c->want_rcpts);
            ok &= CHECK(h, msg.len == strlen(c->want_msg) &&
                               memcmp(msg.data, c->want_msg, msg.len) == 0);
            if (!ok) {
                fprintf(stderr, "    case: %s (line ends %zu)\n    msg: \"%.*s\"\n", c->name, e,
                        (int)msg.len, msg.data ? (const char *)msg.data : "");
            }
            buf_free(&msg);
            free_all(v, n);
            free(text);
        }
    }
}

/* ---- the script's message ------------------------------------------------------------------ */

static void test_compose(struct harness *h)
{
    const char *to[] = {"info@a.example"};
    struct webform_fields f = {"Sales", "sales@spam.example",
                               "Hello\r\nBcc: ken@c.example, mei@c.example", "Cheap watches!"};
    struct buf out;
    buf_init(&out, 0);
    webform_compose("webform@a.example", to, 1, &f, "Wed, 01 Apr 2026 09:00:20 +0900",
                    "<spam1.1@a.example>", &out);
    const char *want = "From: Contact form <webform@a.example>\n"
                       "To: info@a.example\n"
                       "Reply-To: sales@spam.example\n"
                       "Subject: [Contact] Hello\r\nBcc: ken@c.example, mei@c.example\n"
                       "Date: Wed, 01 Apr 2026 09:00:20 +0900\n"
                       "Message-ID: <spam1.1@a.example>\n"
                       "MIME-Version: 1.0\n"
                       "Content-Type: text/plain; charset=UTF-8\n"
                       "Content-Transfer-Encoding: 8bit\n"
                       "\n"
                       "Name: Sales\n"
                       "Email: sales@spam.example\n"
                       "\n"
                       "Cheap watches!\n";
    if (!CHECK(h, out.len == strlen(want) && memcmp(out.data, want, out.len) == 0)) {
        fprintf(stderr, "    got: \"%.*s\"\n", (int)out.len, (const char *)out.data);
    }
    /* Through msmtp -t: the injected line adds two recipients and disappears. */
    struct buf msg;
    buf_init(&msg, 0);
    char **v = NULL;
    size_t n = 0;
    webform_sendmail(out.data, out.len, true, &msg, &v, &n);
    char got[256];
    join(v, n, got, sizeof got);
    CHECK_STR(h, got, "info@a.example,ken@c.example,mei@c.example");
    CHECK(h, strstr((const char *)msg.data, "Subject: [Contact] Hello\r\nDate:") != NULL);
    CHECK(h, strstr((const char *)msg.data, "Bcc") == NULL);
    free_all(v, n);
    buf_free(&msg);
    buf_free(&out);
}

static const struct harness_test test_webform_tests[] = {
    HARNESS_TEST(test_fields),
    HARNESS_TEST(test_addresses),
    HARNESS_TEST(test_sendmail),
    HARNESS_TEST(test_compose),
};

int main(int argc, char **argv)
{
    return HARNESS_MAIN("test_webform", test_webform_tests, argc, argv);
}
