// Load client for streamed chat completions: holds N keep-alive connections, each asking for one SSE stream
// after another, and records when every event arrives. wrk times whole responses; this times the gaps between
// the events of one stream, which is what a paced stream's reader sees.
//
//   sse_load --port P --conns N --seconds S [--ramp-ms R] [--warmup-ms W] [--body JSON] [--key KEY]
//            [--header "Name: value"]... [--label L] [--cpu-pids "PID PID"] [--rss-pid PID] [--path /v1/...]
//
// Connections open spread over R ms (default 1000), then W ms (default 1000) are not counted, then S seconds
// are. One event is what ends with a blank line ("\n\n") in the body after the chunked framing is removed; it
// arrives at the read that completes it. Prints one line:
//   RESULT label conns= open_max= streams= events= streams_per_s= events_per_s= gap_p50_us= gap_p99_us=
//          first_p50_us= errors= [cpu_pct= cpu_us_per_event=] [rss_kib= rss_open=]
// gap: time between two consecutive events of one stream; first: request sent to first event; cpu: user+system
// time of the given processes over the counted seconds; rss: the given process's VmRSS sampled every 250 ms,
// the sample taken with the most streams open (rss_open of them).
//
// Build: cc -O2 -o sse_load sse_load.c        (Linux, loopback, HTTP/1.1)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum State {
    IDLE,
    CONNECTING,
    HEAD,
    BODY_CHUNK_SIZE,
    BODY_CHUNK_DATA,
    BODY_CHUNK_CRLF,
    BODY_TRAILER,
    BODY_LENGTH,
    BODY_UNTIL_CLOSE
};

typedef struct
{
    int fd;
    enum State state;
    char head[8192];
    size_t head_len;
    size_t sent; // bytes of the request written
    long long remaining; // chunk or body bytes left
    int size_seen; // chunk-size line: a digit seen
    int in_ext; // chunk-size line: past the size (extension or spaces)
    int trailer_nl; // trailer: bytes of "\r\n" matched on an empty line
    int trailer_linelen; // trailer: characters on the current line
    int last_newline; // SSE scanner: last body byte was '\n'
    int ok; // status 200
    int open; // a stream is being received (headers in)
    int keep_alive;
    long long sent_at, last_event_at;
    int events_this_stream;
    long long open_at; // when this connection is to be opened
} Conn;

typedef struct
{
    uint32_t *v;
    size_t n, cap;
} Samples;

static void push(Samples *s, long long us)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 65536;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v) {
            perror("realloc");
            exit(1);
        }
    }
    s->v[s->n++] = us < 0 ? 0 : us > 0xffffffffLL ? 0xffffffffu : (uint32_t)us;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static long long percentile(Samples *s, double p)
{
    if (!s->n)
        return -1;
    qsort(s->v, s->n, sizeof *s->v, cmp_u32);
    size_t i = (size_t)(p / 100.0 * (double)(s->n - 1) + 0.5);
    return s->v[i];
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int port = 0, nconns = 0, seconds = 0, ramp_ms = 1000, warmup_ms = 1000;
static const char *label = "";
static char *request;
static size_t request_len;
static long long window_start, window_end;
static Samples gaps, firsts;
static long long events, streams, errors;
static int open_now, open_max, epfd, retries_due;

static int in_window(long long t)
{
    return t >= window_start && t < window_end;
}

static void conn_close(Conn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    if (c->open)
        open_now--;
    c->fd = -1;
    c->open = 0;
    c->state = IDLE;
}

static void fail(Conn *c, long long t)
{
    if (in_window(t))
        errors++;
    conn_close(c);
    c->open_at = t + 10000; // try again shortly
    retries_due++;
}

static void want(Conn *c, uint32_t events_mask)
{
    struct epoll_event ev = {.events = events_mask, .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void send_request(Conn *c, long long t)
{
    c->state = HEAD;
    c->head_len = 0;
    c->sent = 0;
    c->sent_at = t;
    c->events_this_stream = 0;
    c->last_newline = 0;
    while (c->sent < request_len) {
        ssize_t w = write(c->fd, request + c->sent, request_len - c->sent);
        if (w < 0) {
            if (errno == EAGAIN) {
                want(c, EPOLLIN | EPOLLOUT);
                return;
            }
            fail(c, t);
            return;
        }
        c->sent += (size_t)w;
    }
    want(c, EPOLLIN);
}

static void open_conn(Conn *c, long long t)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) {
        fail(c, t);
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) == 0) {
        send_request(c, t);
    } else if (errno == EINPROGRESS) {
        c->state = CONNECTING;
    } else {
        fail(c, t);
    }
}

static void stream_done(Conn *c, long long t)
{
    if (c->ok && in_window(t))
        streams++;
    if (!c->ok && in_window(t))
        errors++;
    if (c->open)
        open_now--;
    c->open = 0;
    if (c->keep_alive)
        send_request(c, t);
    else {
        conn_close(c);
        open_conn(c, t);
    }
}

// The decoded body: count the events it completes.
static void body_bytes(Conn *c, const char *p, size_t n, long long t)
{
    if (!c->ok)
        return;
    for (size_t i = 0; i < n; i++) {
        int nl = p[i] == '\n';
        if (nl && c->last_newline) {
            if (in_window(t)) {
                events++;
                if (c->events_this_stream == 0)
                    push(&firsts, t - c->sent_at);
                else
                    push(&gaps, t - c->last_event_at);
            }
            c->events_this_stream++;
            c->last_event_at = t;
            nl = 0; // "\n\n\n" is one event end, not two
        }
        if (p[i] != '\r')
            c->last_newline = nl;
    }
}

static int parse_head(Conn *c, long long t)
{
    char *end = memmem(c->head, c->head_len, "\r\n\r\n", 4);
    if (!end)
        return 0;
    *end = 0;
    int status = 0;
    if (sscanf(c->head, "HTTP/1.%*d %d", &status) != 1) {
        fail(c, t);
        return -1;
    }
    c->ok = status == 200;
    c->keep_alive = strcasestr(c->head, "\r\nconnection: close") == NULL;
    c->open = 1;
    open_now++;
    if (open_now > open_max && t >= window_start)
        open_max = open_now;
    if (strcasestr(c->head, "\r\ntransfer-encoding: chunked")) {
        c->state = BODY_CHUNK_SIZE;
        c->remaining = 0;
        c->size_seen = c->in_ext = 0;
    } else {
        char *cl = strcasestr(c->head, "\r\ncontent-length:");
        if (cl) {
            c->state = BODY_LENGTH;
            c->remaining = strtoll(cl + 17, NULL, 10);
        } else {
            c->state = BODY_UNTIL_CLOSE;
            c->keep_alive = 0;
        }
    }
    size_t used = (size_t)(end + 4 - c->head);
    return (int)used;
}

// Feeds bytes read from the socket; returns -1 if the connection was closed or replaced.
static int feed(Conn *c, const char *p, size_t n, long long t)
{
    while (n > 0) {
        switch (c->state) {
        case HEAD: {
            size_t room = sizeof c->head - 1 - c->head_len;
            size_t take = n < room ? n : room;
            memcpy(c->head + c->head_len, p, take);
            size_t old = c->head_len;
            c->head_len += take;
            int used = parse_head(c, t);
            if (used < 0)
                return -1;
            if (used == 0) {
                if (c->head_len >= sizeof c->head - 1) {
                    fail(c, t);
                    return -1;
                }
                return 0;
            }
            p += (size_t)used - old;
            n -= (size_t)used - old;
            if (c->state == BODY_LENGTH && c->remaining == 0) {
                stream_done(c, t);
                if (c->fd < 0)
                    return -1;
            }
            break;
        }
        case BODY_CHUNK_SIZE: {
            char ch = *p++;
            n--;
            if (ch == '\n') {
                if (!c->size_seen) {
                    fail(c, t);
                    return -1;
                }
                if (c->remaining == 0) {
                    c->state = BODY_TRAILER;
                    c->trailer_linelen = 0;
                } else {
                    c->state = BODY_CHUNK_DATA;
                }
            } else if (ch == '\r' || c->in_ext) {
            } else if (!c->in_ext && ((ch >= '0' && ch <= '9') || ((ch | 32) >= 'a' && (ch | 32) <= 'f'))) {
                c->remaining = c->remaining * 16 + (ch <= '9' ? ch - '0' : (ch | 32) - 'a' + 10);
                c->size_seen = 1;
            } else {
                c->in_ext = 1;
            }
            break;
        }
        case BODY_CHUNK_DATA: {
            size_t take = (long long)n < c->remaining ? n : (size_t)c->remaining;
            body_bytes(c, p, take, t);
            p += take;
            n -= take;
            c->remaining -= (long long)take;
            if (c->remaining == 0) {
                c->state = BODY_CHUNK_CRLF;
                c->trailer_nl = 0;
            }
            break;
        }
        case BODY_CHUNK_CRLF:
            if (*p == '\n') {
                c->state = BODY_CHUNK_SIZE;
                c->remaining = 0;
                c->size_seen = c->in_ext = 0;
            }
            p++;
            n--;
            break;
        case BODY_TRAILER: // lines until an empty one
            if (*p == '\n') {
                int empty = c->trailer_linelen == 0;
                c->trailer_linelen = 0;
                p++;
                n--;
                if (empty) {
                    if (n > 0) {
                        fail(c, t);
                        return -1;
                    } // nothing may follow before our next request
                    stream_done(c, t);
                    return c->fd < 0 ? -1 : 0;
                }
            } else {
                if (*p != '\r')
                    c->trailer_linelen++;
                p++;
                n--;
            }
            break;
        case BODY_LENGTH: {
            size_t take = (long long)n < c->remaining ? n : (size_t)c->remaining;
            body_bytes(c, p, take, t);
            p += take;
            n -= take;
            c->remaining -= (long long)take;
            if (c->remaining == 0) {
                if (n > 0) {
                    fail(c, t);
                    return -1;
                }
                stream_done(c, t);
                return c->fd < 0 ? -1 : 0;
            }
            break;
        }
        case BODY_UNTIL_CLOSE: body_bytes(c, p, n, t); return 0;
        default: fail(c, t); return -1;
        }
    }
    return 0;
}

static void on_event(Conn *c, uint32_t ev, long long t)
{
    if (c->state == CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            fail(c, t);
            return;
        }
        send_request(c, t);
        return;
    }
    if ((ev & EPOLLOUT) && c->state == HEAD && c->sent < request_len) {
        while (c->sent < request_len) {
            ssize_t w = write(c->fd, request + c->sent, request_len - c->sent);
            if (w < 0) {
                if (errno == EAGAIN)
                    return;
                fail(c, t);
                return;
            }
            c->sent += (size_t)w;
        }
        want(c, EPOLLIN);
    }
    if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        static char buf[65536];
        for (;;) {
            ssize_t r = read(c->fd, buf, sizeof buf);
            if (r > 0) {
                long long tr = now_us();
                if (feed(c, buf, (size_t)r, tr) < 0)
                    return;
                continue;
            }
            if (r < 0 && errno == EAGAIN)
                return;
            if (c->state == BODY_UNTIL_CLOSE) { // the end of a body without length
                c->keep_alive = 0;
                stream_done(c, t);
                return;
            }
            fail(c, t);
            return;
        }
    }
}

static long long cpu_ticks(const char *pids)
{
    long long total = 0;
    char path[64], line[4096];
    const char *p = pids;
    while (p && *p) {
        char *end;
        long pid = strtol(p, &end, 10);
        if (end == p)
            break;
        p = end;
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fgets(line, sizeof line, f)) {
            char *q = strrchr(line, ')'); // fields after the command name
            unsigned long long ut = 0, st = 0;
            if (q && sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2)
                total += (long long)(ut + st);
        }
        fclose(f);
    }
    return total;
}

static long rss_kib(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: sse_load --port P --conns N --seconds S [--ramp-ms R] [--warmup-ms W] [--body JSON] "
            "[--key KEY] [--header 'Name: value']... [--label L] [--cpu-pids 'PID...'] [--rss-pid PID] [--path P]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    const char *body = "{\"model\":\"bench\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],"
                       "\"max_tokens\":64,\"stream\":true}";
    const char *key = NULL, *cpu_pids = NULL, *path = "/v1/chat/completions";
    long rss_pid = 0;
    char headers[4096] = "";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (!strcmp(a, "--port"))
            port = atoi(v);
        else if (!strcmp(a, "--conns"))
            nconns = atoi(v);
        else if (!strcmp(a, "--seconds"))
            seconds = atoi(v);
        else if (!strcmp(a, "--ramp-ms"))
            ramp_ms = atoi(v);
        else if (!strcmp(a, "--warmup-ms"))
            warmup_ms = atoi(v);
        else if (!strcmp(a, "--body"))
            body = v;
        else if (!strcmp(a, "--key"))
            key = v;
        else if (!strcmp(a, "--label"))
            label = v;
        else if (!strcmp(a, "--cpu-pids"))
            cpu_pids = v;
        else if (!strcmp(a, "--rss-pid"))
            rss_pid = atol(v);
        else if (!strcmp(a, "--path"))
            path = v;
        else if (!strcmp(a, "--header")) {
            size_t l = strlen(headers);
            snprintf(headers + l, sizeof headers - l, "%s\r\n", v);
        } else
            usage();
    }
    if (port <= 0 || nconns <= 0 || seconds <= 0)
        usage();

    char auth[512] = "";
    if (key && *key)
        snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", key);
    size_t cap = strlen(body) + strlen(headers) + strlen(auth) + strlen(path) + 512;
    request = malloc(cap);
    request_len = (size_t)snprintf(
        request, cap,
        "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
        "Accept: text/event-stream\r\n%s%sContent-Length: %zu\r\n\r\n%s",
        path, port, auth, headers, strlen(body), body);

    epfd = epoll_create1(0);
    Conn *conns = calloc((size_t)nconns, sizeof *conns);
    long long t0 = now_us();
    for (int i = 0; i < nconns; i++) {
        conns[i].fd = -1;
        conns[i].state = IDLE;
        conns[i].open_at = t0 + (long long)ramp_ms * 1000 * i / nconns;
    }
    window_start = t0 + (long long)(ramp_ms + warmup_ms) * 1000;
    window_end = window_start + (long long)seconds * 1000000;
    long hz = sysconf(_SC_CLK_TCK);
    long long cpu_start = -1, cpu_end = 0;
    long best_rss = -1, best_open = -1;
    long long next_rss = window_start;
    int next_open = 0; // connections are opened in order; the ones that failed are retried below
    struct epoll_event evs[512];
    for (;;) {
        long long t = now_us();
        if (t >= window_end)
            break;
        if (t >= window_start && open_now > open_max)
            open_max = open_now;
        if (cpu_start < 0 && t >= window_start && cpu_pids)
            cpu_start = cpu_ticks(cpu_pids);
        if (rss_pid && t >= next_rss) {
            long r = rss_kib(rss_pid);
            if (open_now >= best_open) {
                best_open = open_now;
                best_rss = r;
            }
            next_rss = t + 250000;
        }
        while (next_open < nconns && conns[next_open].open_at <= t)
            open_conn(&conns[next_open++], t);
        if (retries_due) { // connections that failed, opened again 10 ms later
            retries_due = 0;
            for (int i = 0; i < next_open; i++) {
                if (conns[i].state != IDLE || conns[i].fd >= 0)
                    continue;
                if (conns[i].open_at <= t)
                    open_conn(&conns[i], t);
                else
                    retries_due++;
            }
        }
        int timeout = 1;
        int n = epoll_wait(epfd, evs, 512, timeout);
        long long tw = now_us();
        for (int i = 0; i < n; i++)
            on_event(evs[i].data.ptr, evs[i].events, tw);
    }
    if (cpu_pids)
        cpu_end = cpu_ticks(cpu_pids);

    double secs = (double)seconds;
    printf("RESULT %s conns=%d open_max=%d streams=%lld events=%lld streams_per_s=%.1f events_per_s=%.1f "
           "gap_p50_us=%lld gap_p99_us=%lld first_p50_us=%lld errors=%lld",
           label, nconns, open_max, streams, events, (double)streams / secs, (double)events / secs,
           percentile(&gaps, 50), percentile(&gaps, 99), percentile(&firsts, 50), errors);
    if (cpu_pids && cpu_start >= 0) {
        long long ticks = cpu_end - cpu_start;
        printf(" cpu_pct=%.0f cpu_us_per_event=%.2f", (double)ticks * 100.0 / (double)hz / secs,
               events ? (double)ticks * 1e6 / (double)hz / (double)events : 0.0);
    }
    if (rss_pid)
        printf(" rss_kib=%ld rss_open=%ld", best_rss, best_open);
    printf("\n");
    return 0;
}
