/* test_sim: the simulation engine and the trace — clock and queue order, latency along a
 * path, ordered streams, taps, refused connections, determinism, and the exporters. */
#include "export.h"
#include "harness.h"
#include "sim.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

/* An echo server: every byte it receives it sends back in upper case; closes when the client
 * does. A client that records what arrives and when. */
struct peer {
    struct sim_world *w;
    uint32_t conn;
    char got[256];
    size_t ngot;
    uint64_t t_first, t_open, t_close;
    int closes;
};

static void echo_data(struct sim_world *w, void *ctx, uint32_t conn, const uint8_t *p, size_t n)
{
    (void)ctx;
    char up[64];
    for (size_t i = 0; i < n && i < sizeof up; i++) {
        up[i] = (char)(p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i]);
    }
    sim_send(w, conn, TRACE_SERVER, up, n < sizeof up ? n : sizeof up);
}

static void echo_close(struct sim_world *w, void *ctx, uint32_t conn)
{
    (void)ctx;
    sim_close(w, conn, TRACE_SERVER);
}

static bool echo_accept(struct sim_world *w, void *ctx, uint32_t conn, struct sim_endpoint *ep)
{
    (void)ctx;
    ep->on_data = echo_data;
    ep->on_close = echo_close;
    sim_send(w, conn, TRACE_SERVER, "hello\r\n", 7);
    return true;
}

static void client_open(struct sim_world *w, void *ctx, uint32_t conn)
{
    struct peer *p = ctx;
    p->t_open = sim_now(w);
    sim_send(w, conn, TRACE_CLIENT, "abc", 3);
    sim_send(w, conn, TRACE_CLIENT, "def\r\n", 5);
}

static void client_data(struct sim_world *w, void *ctx, uint32_t conn, const uint8_t *d, size_t n)
{
    (void)conn;
    struct peer *p = ctx;
    if (p->ngot == 0) {
        p->t_first = sim_now(w);
    }
    if (p->ngot + n < sizeof p->got) {
        memcpy(p->got + p->ngot, d, n);
        p->ngot += n;
    }
    if (p->ngot >= 15) {
        sim_close(w, conn, TRACE_CLIENT);
    }
}

static void client_close(struct sim_world *w, void *ctx, uint32_t conn)
{
    struct peer *p = ctx;
    p->t_close = sim_now(w);
    p->closes++;
    sim_close(w, conn, TRACE_CLIENT);
}

/* Three hosts in a row, a--b--c, 100 us and 250 us; a tap on the second link; the echo server
 * on c, port 25, and a client on a whose peer records what it gets. */
struct world_fixture {
    struct trace tr;
    struct sim_world *w;
    int a, b, c;
    int tapped;
    size_t tap_bytes;
    struct peer p;
    struct sim_endpoint ep;
};

static void fixture_tap(struct sim_world *w, void *ctx, uint32_t tap, uint32_t conn,
                        enum trace_side from, const uint8_t *p, size_t n)
{
    (void)w;
    (void)tap;
    (void)conn;
    (void)from;
    (void)p;
    struct world_fixture *f = ctx;
    f->tap_bytes += n;
}

static void fixture_init(struct world_fixture *f, uint64_t seed)
{
    char err[256];
    memset(f, 0, sizeof *f);
    if (trace_init(&f->tr) != 0) {
        abort();
    }
    f->w = sim_world_new(seed, &f->tr);
    int lan = sim_zone_add(f->w, "lan", err, sizeof err);
    int net = sim_zone_add(f->w, "internet", err, sizeof err);
    f->a = sim_host_add(f->w, "pc", lan, "192.0.2.10", err, sizeof err);
    f->b = sim_host_add(f->w, "router", net, "198.51.100.1", err, sizeof err);
    f->c = sim_host_add(f->w, "server", net, "203.0.113.25", err, sizeof err);
    sim_link_add(f->w, f->a, f->b, 100, err, sizeof err);
    int l2 = sim_link_add(f->w, f->b, f->c, 250, err, sizeof err);
    sim_agent_add(f->w, "echo", "mta", "test", f->c);
    sim_listen(f->w, f->c, 25, "smtp", "echo", echo_accept, NULL);
    f->tapped = sim_tap_add(f->w, "wire", l2, fixture_tap, f);
    f->ep = (struct sim_endpoint){client_data, client_close, client_open, &f->p};
}

/* The client on a connects to ip:port; the connection id, or 0 (no path). */
static uint32_t fixture_connect(struct world_fixture *f, const char *ip, uint16_t port)
{
    uint32_t addr;
    sim_parse_ipv4(ip, &addr);
    return sim_connect(f->w, f->a, "client", addr, port, &f->ep);
}

static void fixture_free(struct world_fixture *f)
{
    sim_world_free(f->w);
    trace_free(&f->tr);
}

static void test_stream(struct harness *h)
{
    struct world_fixture f;
    fixture_init(&f, 7);
    uint32_t conn = fixture_connect(&f, "203.0.113.25", 25);
    CHECK_INT(h, conn, 1);
    sim_run(f.w, UINT64_MAX);
    /* one-way latency 350 us: SYN 0, SYN-ACK back at 700, server accepts at 1050 */
    CHECK_INT(h, f.p.t_open, 700);
    CHECK_INT(h, f.p.t_first, 1400);
    CHECK_INT(h, f.p.ngot, 15);
    CHECK(h, memcmp(f.p.got, "hello\r\nABCDEF\r\n", 15) == 0);
    /* The client closed first, so the server's FIN is not delivered to a closed side. */
    CHECK_INT(h, f.p.closes, 0);
    CHECK(h, sim_is_closed(f.w, conn, TRACE_CLIENT) && sim_is_closed(f.w, conn, TRACE_SERVER));
    CHECK_INT(h, f.tap_bytes, 7 + 3 + 5 + 3 + 5);
    const struct trace_conn *tc = trace_conn_get(&f.tr, conn);
    CHECK(h, tc && tc->latency_us == 350 && tc->server_port == 25);
    CHECK(h, tc && tc->client_port >= 49152);
    CHECK_STR(h, trace_string(&f.tr, tc->server_agent), "echo");
    /* Events are in time order. */
    int ordered = 1;
    for (size_t i = 1; i < f.tr.nevents; i++) {
        ordered &= trace_event_at(&f.tr, i - 1)->t <= trace_event_at(&f.tr, i)->t;
    }
    CHECK(h, ordered);
    fixture_free(&f);
}

static void test_refused_and_unroutable(struct harness *h)
{
    struct world_fixture f;
    fixture_init(&f, 7);
    uint32_t conn = fixture_connect(&f, "203.0.113.25", 110);
    sim_run(f.w, UINT64_MAX);
    CHECK_INT(h, f.p.closes, 1);
    CHECK_INT(h, f.p.t_close, 700);
    CHECK_INT(h, f.p.t_open, 0);
    const struct trace_event *last = NULL;
    for (size_t i = 0; i < f.tr.nevents; i++) {
        if (trace_event_at(&f.tr, i)->kind == TRACE_CLOSE &&
            trace_event_at(&f.tr, i)->conn == conn) {
            last = trace_event_at(&f.tr, i);
            break;
        }
    }
    CHECK(h, last && (last->flags & TRACE_REFUSED) && last->from == TRACE_SERVER);
    /* No such address: nothing happens and nothing is recorded. */
    size_t before = f.tr.nevents;
    CHECK_INT(h, fixture_connect(&f, "192.0.2.99", 25), 0);
    CHECK_INT(h, f.tr.nevents, before);
    fixture_free(&f);
}

static void test_topology_errors(struct harness *h)
{
    struct trace tr;
    trace_init(&tr);
    struct sim_world *w = sim_world_new(1, &tr);
    char err[256];
    int z = sim_zone_add(w, "lan", err, sizeof err);
    CHECK_INT(h, sim_zone_add(w, "lan", err, sizeof err), -1);
    CHECK(h, strstr(err, "twice") != NULL);
    CHECK_INT(h, sim_host_add(w, "x", z, "10.0.0.1", err, sizeof err), -1);
    CHECK(h, strstr(err, "documentation ranges") != NULL);
    CHECK_INT(h, sim_host_add(w, "x", z, "192.0.2.300", err, sizeof err), -1);
    CHECK(h, strstr(err, "not an IPv4 address") != NULL);
    CHECK_INT(h, sim_host_add(w, "x", 5, "192.0.2.1", err, sizeof err), -1);
    int x = sim_host_add(w, "x", z, "192.0.2.1", err, sizeof err);
    CHECK_INT(h, x, 0);
    CHECK_INT(h, sim_host_add(w, "y", z, "192.0.2.1", err, sizeof err), -1);
    CHECK(h, strstr(err, "already taken") != NULL);
    CHECK_INT(h, sim_host_add(w, "x", z, "192.0.2.2", err, sizeof err), -1);
    CHECK_INT(h, sim_link_add(w, x, x, 10, err, sizeof err), -1);
    CHECK_INT(h, sim_host_find(w, "x"), 0);
    CHECK_INT(h, sim_host_find(w, "nope"), -1);
    sim_world_free(w);
    trace_free(&tr);
}

static void order_fn(struct sim_world *w, void *ctx, uint64_t arg)
{
    (void)w;
    char *s = ctx;
    size_t n = strlen(s);
    s[n] = (char)arg;
    s[n + 1] = 0;
}

static void test_queue_order(struct harness *h)
{
    struct trace tr;
    trace_init(&tr);
    struct sim_world *w = sim_world_new(1, &tr);
    char got[32] = "";
    sim_schedule(w, 30, order_fn, got, 'd');
    sim_schedule(w, 10, order_fn, got, 'a');
    sim_schedule(w, 20, order_fn, got, 'b');
    sim_schedule(w, 20, order_fn, got, 'c');
    sim_schedule(w, 99, order_fn, got, 'e');
    CHECK_INT(h, sim_run(w, 50), 4);
    CHECK_STR(h, got, "abcd");
    CHECK_INT(h, sim_now(w), 30);
    CHECK_INT(h, sim_pending(w), 1);
    CHECK(h, sim_step(w));
    CHECK_STR(h, got, "abcde");
    CHECK(h, !sim_step(w));
    sim_world_free(w);
    trace_free(&tr);
}

/* Runs the stream scenario and returns its JSON lines. */
static char *run_jsonl(uint64_t seed, size_t *len)
{
    struct world_fixture f;
    fixture_init(&f, seed);
    fixture_connect(&f, "203.0.113.25", 25);
    fixture_connect(&f, "203.0.113.25", 25);
    sim_run(f.w, UINT64_MAX);
    char *text = NULL;
    FILE *mem = open_memstream(&text, len);
    export_jsonl(&f.tr, mem);
    fclose(mem);
    fixture_free(&f);
    return text;
}

static void test_determinism(struct harness *h)
{
    size_t n1, n2, n3;
    char *a = run_jsonl(42, &n1);
    char *b = run_jsonl(42, &n2);
    char *c = run_jsonl(43, &n3);
    CHECK(h, n1 == n2 && memcmp(a, b, n1) == 0);
    /* Another seed picks other ephemeral ports. */
    CHECK(h, n1 != n3 || memcmp(a, c, n1) != 0);
    CHECK(h, strncmp(a, "{\"t\":0,\"kind\":\"world\",\"seed\":42,", 32) == 0);
    CHECK(h, strstr(a, "\"kind\":\"connect\",\"conn\":1,\"proto\":\"smtp\"") != NULL);
    CHECK(h, strstr(a, "\"kind\":\"data\",\"conn\":1,\"from\":\"server\",\"text\":\"hello\\r\\n\","
                       "\"tls\":false}") != NULL);
    CHECK(h, strstr(a, "\"kind\":\"close\",\"conn\":2,\"from\":\"client\"}") != NULL);
    free(a);
    free(b);
    free(c);
}

static void test_exporters(struct harness *h)
{
    struct trace tr;
    trace_init(&tr);
    uint32_t z = trace_add_zone(&tr, "lan");
    trace_add_host(&tr, "pc", z, 0xc000020a);
    trace_add_host(&tr, "mail", z, 0xc0000219);
    struct trace_conn c = {0};
    c.client_host = 0;
    c.server_host = 1;
    c.client_ip = 0xc000020a;
    c.server_ip = 0xc0000219;
    c.client_port = 50000;
    c.server_port = 587;
    c.proto = trace_intern(&tr, "smtp");
    c.client_agent = trace_intern(&tr, "mua");
    c.server_agent = trace_intern(&tr, "msa");
    uint32_t id = trace_connect(&tr, 0, &c);
    trace_data(&tr, 10, id, TRACE_CLIENT, false, (const uint8_t *)"A\nB\r\n\x01\r\n", 8);
    const uint8_t bin[] = {0xff, 0xfe, 'x'};
    trace_data(&tr, 20, id, TRACE_SERVER, false, bin, sizeof bin);
    trace_step(&tr, 30, 1, "m1", "mua", id);
    trace_sniff(&tr, 40, "lan-tap", id, "password", (const uint8_t *)"s\"cr\\t", 6);
    trace_auth(&tr, 50, "msa", "alice", "PLAIN", true, id);

    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    struct export_text_labels lb = {0};
    lb.step_title[1] = "submission";
    export_text(&tr, &lb, mem);
    fclose(mem);
    CHECK(h, strstr(text, "#1 connect mua@pc 192.0.2.10:50000 -> msa@mail 192.0.2.25:587 (smtp)") !=
                 NULL);
    CHECK(h, strstr(text, "#1 C: A<LF>B\n") != NULL);
    CHECK(h, strstr(text, "#1 C: <01>\n") != NULL);
    CHECK(h, strstr(text, "\n① submission  [mua, m1, #1]\n") != NULL);
    CHECK(h, strstr(text, "msa: authenticated alice (PLAIN)") != NULL);
    free(text);

    mem = open_memstream(&text, &len);
    export_jsonl(&tr, mem);
    fclose(mem);
    CHECK(h, strstr(text, "\"text\":\"A\\nB\\r\\n\\u0001\\r\\n\"") != NULL);
    CHECK(h, strstr(text, "\"text_b64\":\"//54\"") != NULL);
    CHECK(h, strstr(text, "\"finding\":\"password\",\"value\":\"s\\\"cr\\\\t\"") != NULL);
    CHECK(h, strstr(text, "{\"t\":30,\"kind\":\"step\",\"n\":1,\"mail\":\"m1\",\"agent\":\"mua\","
                          "\"conn\":1}") != NULL);
    free(text);

    CHECK(h, utf8_valid((const uint8_t *)"会議", strlen("会議")));
    CHECK(h, !utf8_valid((const uint8_t *)"\xc0\xaf", 2));     /* overlong */
    CHECK(h, !utf8_valid((const uint8_t *)"\xed\xa0\x80", 3)); /* surrogate */
    CHECK(h, !utf8_valid((const uint8_t *)"\xe4\xbc", 2));     /* truncated */
    CHECK(h, trace_memory(&tr) > tr.payload_bytes);
    trace_free(&tr);
}

static void test_intern(struct harness *h)
{
    struct trace tr;
    trace_init(&tr);
    char name[32];
    trace_str first = 0;
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "mail-%d", i);
        trace_str id = trace_intern(&tr, name);
        if (i == 0) {
            first = id;
        }
    }
    CHECK_INT(h, trace_intern(&tr, "mail-0"), first);
    CHECK_STR(h, trace_string(&tr, trace_lookup(&tr, "mail-4999")), "mail-4999");
    CHECK_INT(h, trace_lookup(&tr, "mail-5000"), 0);
    CHECK_INT(h, trace_intern(&tr, ""), 0);
    CHECK_STR(h, trace_string(&tr, 0), "");
    trace_free(&tr);
}

static const struct harness_test test_sim_tests[] = {
    HARNESS_TEST(test_stream),          HARNESS_TEST(test_refused_and_unroutable),
    HARNESS_TEST(test_topology_errors), HARNESS_TEST(test_queue_order),
    HARNESS_TEST(test_determinism),     HARNESS_TEST(test_exporters),
    HARNESS_TEST(test_intern),
};

int main(int argc, char **argv)
{
    return HARNESS_MAIN("test_sim", test_sim_tests, argc, argv);
}
