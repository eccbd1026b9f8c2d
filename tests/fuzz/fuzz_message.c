/* fuzz_message: everything in mailsim that reads untrusted message text, and the builder fed
 * untrusted parts. Byte 0 picks the mode:
 *   0  the reading helpers on a message: message_split, message_header_get and _count for
 *      several fields and output sizes (all sizes must agree, snprintf-like), RFC 2047
 *      decoding of each value and of the whole text, message_check; the content filter's
 *      scan (MIME parts, base64, ZIP entries) and what msmtp [-t] makes of the text;
 *   1  message_build from parts of the input split at NUL octets (from, to, subject, body, an
 *      extra field, a Message-ID, the date), then read back: a built message passes
 *      message_check, and its Subject and extra field read back as given; message_received_line,
 *      message_date_format and message_id_format on the same parts;
 *   2  the eavesdropper's SMTP parser (agents/sniff.h) on a dialogue, 3 the same for POP3, both
 *      also for SSH when bit 2 is set. The dialogue is cut into segments, each led by one
 *      octet: bit 0 the side (client, server), bits 1-7 the length - 1; 0xfe and 0xff mark a
 *      segment as TLS records. */
#include "avscan.h"
#include "fuzz.h"
#include "message.h"
#include "sniff.h"
#include "webform.h"

#include <limits.h>
#include <strings.h>

/* A NUL-terminated copy of p[0..n) (the functions that take C strings stop at a NUL). */
static char *fuzz_strdup(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    FUZZ_CHECK(s != NULL);
    if (n) {
        memcpy(s, p, n);
    }
    s[n] = 0;
    return s;
}

/* RFC 2047 decoding of s with several output sizes: the length is the same for all, and
 * each cut output is a prefix of the whole one. */
static void fuzz_decode(const char *s)
{
    static char big[1 << 16];
    long whole = message_decode_words(s, big, sizeof big);
    FUZZ_CHECK(whole >= 0);
    FUZZ_CHECK(memchr(big, 0, sizeof big) != NULL);
    static const size_t caps[] = {1, 2, 7, 76};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        char small[76];
        long n = message_decode_words(s, small, caps[i]);
        FUZZ_CHECK(n == whole);
        size_t k = (size_t)n < caps[i] - 1 ? (size_t)n : caps[i] - 1;
        FUZZ_CHECK(small[k] == 0);
        if ((size_t)whole < sizeof big) {
            FUZZ_CHECK(memcmp(small, big, k) == 0);
        }
    }
}

static void fuzz_read(const uint8_t *d, size_t n)
{
    size_t header_len = 0, body_offset = 0;
    if (message_split(d, n, &header_len, &body_offset)) {
        FUZZ_CHECK(header_len <= body_offset && body_offset <= n);
    }
    static const char *const names[] = {"From",       "Subject",      "Received", "To",
                                        "Message-ID", "Content-Type", "X"};
    static char value[1 << 16];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        long v = message_header_get(d, n, names[i], value, sizeof value);
        size_t count = message_header_count(d, n, names[i]);
        FUZZ_CHECK((v < 0) == (count == 0));
        if (v < 0) {
            FUZZ_CHECK(v == -1 && value[0] == 0);
            continue;
        }
        FUZZ_CHECK((size_t)v < sizeof value); /* a value is never longer than the message */
        char small[16];
        long s1 = message_header_get(d, n, names[i], small, 1);
        long s16 = message_header_get(d, n, names[i], small, sizeof small);
        FUZZ_CHECK(s1 == v && s16 == v);
        size_t k = (size_t)v < sizeof small - 1 ? (size_t)v : sizeof small - 1;
        FUZZ_CHECK(small[k] == 0 && memcmp(small, value, k) == 0);
        /* Trimmed: no white space at either end. */
        if (v > 0) {
            FUZZ_CHECK(value[0] != ' ' && value[0] != '\t');
            FUZZ_CHECK(value[v - 1] != ' ' && value[v - 1] != '\t');
        }
        fuzz_decode(value);
    }
    char *s = fuzz_strdup(d, n);
    fuzz_decode(s);
    free(s);
    size_t at = SIZE_MAX;
    enum message_check c = message_check(d, n, &at);
    FUZZ_CHECK(c <= MESSAGE_CHECK_NO_FROM);
    FUZZ_CHECK(at <= n);
    FUZZ_CHECK(c != MESSAGE_CHECK_OK || at == 0);
    FUZZ_CHECK(strcmp(message_check_name(c), "?") != 0);
    /* The content filter: an alert on encrypted archives only ever makes the verdict stricter. */
    struct avscan_result quiet, alert;
    avscan_message(d, n, false, &quiet);
    avscan_message(d, n, true, &alert);
    FUZZ_CHECK(quiet.verdict <= AVSCAN_UNCHECKED && alert.verdict != AVSCAN_UNCHECKED);
    FUZZ_CHECK(quiet.encrypted == alert.encrypted && quiet.encrypted <= quiet.entries);
    FUZZ_CHECK((quiet.verdict == AVSCAN_UNCHECKED) ==
               (quiet.encrypted > 0 && alert.verdict == AVSCAN_INFECTED &&
                strcmp(alert.name, "Heuristics.Encrypted.Zip") == 0));
    /* msmtp -t: every recipient has an '@', the text out ends its lines with CRLF, and with -t
     * or without it the same message goes out. */
    for (int t = 0; t < 2; t++) {
        struct buf msg;
        buf_init(&msg, 0);
        char **rcpts = NULL;
        size_t nr = 0;
        webform_sendmail(d, n, t == 1, &msg, &rcpts, &nr);
        FUZZ_CHECK(t == 1 || nr == 0);
        FUZZ_CHECK(msg.len == 0 || (msg.len >= 2 && msg.data[msg.len - 2] == '\r' &&
                                    msg.data[msg.len - 1] == '\n'));
        for (size_t i = 0; i < nr; i++) {
            FUZZ_CHECK(strchr(rcpts[i], '@') != NULL);
            free(rcpts[i]);
        }
        free(rcpts);
        buf_free(&msg);
    }
}

/* The parts of the input between NUL octets; missing ones are NULL. */
#define NPARTS 8
static size_t fuzz_parts(const uint8_t *d, size_t n, char *parts[NPARTS])
{
    size_t np = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n && np < NPARTS; i++) {
        if (i == n || d[i] == 0) {
            parts[np++] = fuzz_strdup(d + start, i - start);
            start = i + 1;
        }
    }
    for (size_t i = np; i < NPARTS; i++) {
        parts[i] = NULL;
    }
    return np;
}

static bool fuzz_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* s without leading and trailing white space, compared with got. */
static bool fuzz_trimmed_equal(const char *s, const char *got)
{
    while (fuzz_wsp(*s)) {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && fuzz_wsp(s[n - 1])) {
        n--;
    }
    return strlen(got) == n && memcmp(s, got, n) == 0;
}

static void fuzz_build(const uint8_t *d, size_t n, unsigned mode)
{
    char *p[NPARTS];
    fuzz_parts(d, n, p);
    /* The date: the first 8 octets of part 6 as seconds, the next 2 as a zone offset. */
    int64_t t = 0;
    int tz = 0;
    if (p[6]) {
        size_t len = strlen(p[6]);
        for (size_t i = 0; i < len && i < 8; i++) {
            t = (int64_t)((uint64_t)t << 8 | (uint8_t)p[6][i]);
        }
        if (len >= 10) {
            tz = (int16_t)((uint16_t)(uint8_t)p[6][8] << 8 | (uint8_t)p[6][9]);
        }
    }
    if (sizeof(time_t) < 8 && (t > INT_MAX || t < INT_MIN)) {
        t = 0;
    }
    const char *to[2] = {p[1] ? p[1] : "b@b.example", "c@c.example"};
    struct message_field extra[2] = {{"X-Fuzz", p[4] ? p[4] : "value"},
                                     {p[7] ? p[7] : "X-Other", "x"}};
    struct message_spec spec = {
        .from = p[0] ? p[0] : "a@a.example",
        .to = to,
        .to_count = (mode & 4) ? 2 : 1,
        .cc = to,
        .cc_count = (mode & 8) ? 2 : 0,
        .subject = p[2],
        .date = (time_t)t,
        .tz_minutes = tz,
        .message_id_local = (mode & 16) ? p[5] : "1.2",
        .message_id_domain = "a.example",
        .body = p[3],
        .extra = extra,
        .extra_count = (mode & 32) ? 2 : 1,
    };
    struct buf out;
    buf_init(&out, 0);
    enum message_error e = message_build(&spec, &out);
    FUZZ_CHECK(strcmp(message_error_name(e), "?") != 0);
    if (e == MESSAGE_OK) {
        size_t at;
        enum message_check c = message_check(out.data, out.len, &at);
        if (c != MESSAGE_CHECK_OK) {
            fprintf(stderr, "built message fails message_check: %s at %zu\n", message_check_name(c),
                    at);
        }
        FUZZ_CHECK(c == MESSAGE_CHECK_OK);
        static char value[1 << 16];
        static char decoded[1 << 16];
        /* An unstructured value unfolds to what was given (ends trimmed). */
        bool other_xfuzz = (mode & 32) && strcasecmp(extra[1].name, "X-Fuzz") == 0;
        if (!other_xfuzz) {
            long v = message_header_get(out.data, out.len, "X-Fuzz", value, sizeof value);
            FUZZ_CHECK(v >= 0 && (size_t)v < sizeof value);
            FUZZ_CHECK(fuzz_trimmed_equal(extra[0].value, value));
        }
        /* The Subject reads back, RFC 2047 words decoded, as given. */
        bool other_subject = (mode & 32) && strcasecmp(extra[1].name, "Subject") == 0;
        if (spec.subject && !other_subject) {
            long v = message_header_get(out.data, out.len, "Subject", value, sizeof value);
            FUZZ_CHECK(v >= 0 && (size_t)v < sizeof value);
            long w = message_decode_words(value, decoded, sizeof decoded);
            FUZZ_CHECK(w >= 0 && (size_t)w < sizeof decoded);
            /* Plain ASCII goes out as is (its ends trimmed by reading), anything else as
             * encoded-words, which keep every octet. */
            bool plain = strstr(spec.subject, "=?") == NULL;
            for (const char *q = spec.subject; *q; q++) {
                plain = plain && (unsigned char)*q < 0x80;
            }
            if (plain ? !fuzz_trimmed_equal(spec.subject, decoded)
                      : strcmp(spec.subject, decoded) != 0) {
                fprintf(stderr, "subject \"%s\" reads back as \"%s\"\n", spec.subject, decoded);
                FUZZ_CHECK(!"the Subject reads back as given");
            }
        }
    } else {
        FUZZ_CHECK(out.len == 0);
    }
    buf_free(&out);

    struct message_received r = {
        .helo = p[0],
        .rdns = (mode & 4) ? p[1] : NULL,
        .ip = p[2] ? p[2] : "192.0.2.1",
        .by = "mx.b.example",
        .with = (enum message_with)(mode % 5),
        .id = p[4],
        .rcpt = (mode & 8) ? p[5] : NULL,
        .date = (time_t)t,
        .tz_minutes = tz,
    };
    buf_init(&out, 0);
    e = message_received_line(&r, &out);
    if (e == MESSAGE_OK) {
        /* One header field, CRLF line ends, folded lines start with a tab. */
        FUZZ_CHECK(out.len > 2 && out.data[out.len - 2] == '\r' && out.data[out.len - 1] == '\n');
        for (size_t i = 0; i < out.len; i++) {
            FUZZ_CHECK(out.data[i] != '\n' || (i > 0 && out.data[i - 1] == '\r'));
            FUZZ_CHECK(out.data[i] != '\r' || (i + 1 < out.len && out.data[i + 1] == '\n'));
            FUZZ_CHECK(!(i > 0 && out.data[i - 1] == '\n') || out.data[i] == '\t');
        }
        FUZZ_CHECK(message_header_count(out.data, out.len, "Received") == 1);
    } else {
        FUZZ_CHECK(out.len == 0);
    }
    buf_free(&out);

    char date[MESSAGE_DATE_SIZE];
    int dn = message_date_format((time_t)t, tz, date, sizeof date);
    FUZZ_CHECK(dn == -1 || (dn > 0 && (size_t)dn == strlen(date)));
    char id[64];
    int in = message_id_format(p[0] ? p[0] : "", p[1] ? p[1] : "", id, sizeof id);
    FUZZ_CHECK(in == -1 || (in > 0 && (size_t)in == strlen(id)));
    for (size_t i = 0; i < NPARTS; i++) {
        free(p[i]);
    }
}

struct sniff_ctx {
    unsigned findings;
};

static void fuzz_found(void *ctx, enum sniff_finding f, const char *value, size_t n)
{
    struct sniff_ctx *x = ctx;
    FUZZ_CHECK((unsigned)f < SNIFF_FINDING_COUNT);
    FUZZ_CHECK(value != NULL || n == 0);
    FUZZ_CHECK(n < (1u << 20));
    if (f == SNIFF_BODY) {
        FUZZ_CHECK(n <= SNIFF_BODY_MAX);
    }
    /* Every finding's value is readable in full. */
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum = (uint8_t)(sum + (uint8_t)value[i]);
    }
    (void)sum;
    x->findings++;
}

static void fuzz_sniff(const uint8_t *d, size_t n, enum sniff_proto proto)
{
    struct sniff_ctx x = {0};
    struct sniff_stream *s = sniff_stream_new(proto, fuzz_found, &x);
    FUZZ_CHECK(s != NULL);
    size_t off = 0;
    while (off < n) {
        uint8_t ctl = d[off++];
        size_t len = (size_t)(ctl >> 1) + 1;
        if (len > n - off) {
            len = n - off;
        }
        enum trace_side side = (ctl & 1) ? TRACE_SERVER : TRACE_CLIENT;
        bool tls = ctl >= 0xfe;
        sniff_stream_feed(s, side, tls, d + off, len);
        off += len;
    }
    struct sniff_apop a;
    if (sniff_stream_apop(s, &a)) {
        FUZZ_CHECK(memchr(a.timestamp, 0, sizeof a.timestamp) != NULL);
        FUZZ_CHECK(memchr(a.user, 0, sizeof a.user) != NULL);
        FUZZ_CHECK(strlen(a.digest) == 32);
    }
    sniff_stream_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    unsigned mode = fuzz_byte(&in);
    switch (mode & 3) {
    case 0:
        fuzz_read(in.p, in.n);
        break;
    case 1:
        fuzz_build(in.p, in.n, mode);
        break;
    case 2:
        fuzz_sniff(in.p, in.n, (mode & 4) ? SNIFF_SSH : SNIFF_SMTP);
        break;
    default:
        fuzz_sniff(in.p, in.n, (mode & 4) ? SNIFF_SSH : SNIFF_POP3);
        break;
    }
    return 0;
}
