// Tiny epoll mock of an OpenAI upstream, for gateway benchmarks. Loopback only.
// The project's shared benchmark upstream.
// POST /v1/chat/completions:
//   non-streaming -> fixed ~600-byte chat.completion JSON (Content-Length)
//   "stream": true -> SSE, N events (N = max_tokens, default 16) + data: [DONE], each event its own
//                     HTTP chunk (Transfer-Encoding: chunked), as real LLM servers send them
//   header "x-mock-delay-ms: D" -> D ms between SSE events, each then its own write (default 0: the
//                     whole stream goes out at once, as it does when events pile up in a socket buffer)
// Build: gcc -O2 -pthread -o mock_openai mock_openai.c
// Run:   mock_openai PORT [THREADS]   (binds 127.0.0.1 only, SO_REUSEPORT per thread)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int g_port;

static const char *BODY =
    "{\"id\":\"chatcmpl-mock0000000000000000000000\",\"object\":\"chat.completion\","
    "\"created\":1700000000,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,"
    "\"message\":{\"role\":\"assistant\",\"content\":\"This is a fixed mock completion used to "
    "benchmark gateway overhead. It is deliberately of moderate length so the response body is "
    "about six hundred bytes, similar to a short real answer.\",\"refusal\":null},"
    "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,"
    "\"completion_tokens\":40,\"total_tokens\":52,\"prompt_tokens_details\":{\"cached_tokens\":0},"
    "\"completion_tokens_details\":{\"reasoning_tokens\":0}},\"system_fingerprint\":\"fp_mock\"}";

typedef struct {
  int fd;
  char *in; size_t in_len, in_cap;
  char *out; size_t out_len, out_off, out_cap;
  // streaming with delay
  int stream_left, stream_total, delay_ms, stream_active;
  long long next_ms;
  int want_close;
} conn_t;

static long long now_ms(void) {
  struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void out_append(conn_t *c, const char *s, size_t n) {
  if (c->out_len + n > c->out_cap) {
    size_t nc = c->out_cap ? c->out_cap : 8192;
    while (nc < c->out_len + n) nc *= 2;
    c->out = realloc(c->out, nc); c->out_cap = nc;
  }
  memcpy(c->out + c->out_len, s, n); c->out_len += n;
}

static void out_chunk(conn_t *c, const char *s, size_t n) {  // HTTP chunked framing
  char h[32]; int hl = snprintf(h, sizeof h, "%zx\r\n", n);
  out_append(c, h, hl); out_append(c, s, n); out_append(c, "\r\n", 2);
}

static void sse_event(conn_t *c, int i, int total) {
  char buf[512]; int n;
  if (i == 0)
    n = snprintf(buf, sizeof buf,
      "data: {\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
      "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
      "\"finish_reason\":null}]}\n\n");
  else if (i < total - 1)
    n = snprintf(buf, sizeof buf,
      "data: {\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
      "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok%d \"},"
      "\"finish_reason\":null}]}\n\n", i);
  else
    n = snprintf(buf, sizeof buf,
      "data: {\"id\":\"chatcmpl-mock\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
      "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
  out_chunk(c, buf, n);
}

static void sse_finish(conn_t *c) {
  out_chunk(c, "data: [DONE]\n\n", 14);
  out_append(c, "0\r\n\r\n", 5);
}

static const char *memcasestr(const char *h, size_t hl, const char *n) {
  size_t nl = strlen(n);
  for (size_t i = 0; i + nl <= hl; i++)
    if (strncasecmp(h + i, n, nl) == 0) return h + i;
  return NULL;
}

static long header_val(const char *hdr, size_t hl, const char *name, long def) {
  const char *p = memcasestr(hdr, hl, name);
  if (!p) return def;
  p += strlen(name);
  while (*p == ' ' || *p == ':') p++;
  return strtol(p, NULL, 10);
}

// body JSON scanning (good enough for benchmark bodies)
static const char *json_key(const char *b, size_t bl, const char *key) {
  const char *p = memcasestr(b, bl, key);
  if (!p) return NULL;
  p += strlen(key);
  while (p < b + bl && (*p == ' ' || *p == ':' || *p == '\t' || *p == '\n')) p++;
  return p < b + bl ? p : NULL;
}

// returns bytes consumed for a full request, 0 if incomplete, -1 on error
static long handle_request(conn_t *c) {
  char *hend = memmem(c->in, c->in_len, "\r\n\r\n", 4);
  if (!hend) return c->in_len > 65536 ? -1 : 0;
  size_t hl = hend - c->in + 4;
  const char *body; size_t bl; size_t consumed;
  char *tmp = NULL;
  if (memcasestr(c->in, hl, "transfer-encoding: chunked")) {
    // decode chunked body
    size_t pos = hl; bl = 0; tmp = malloc(c->in_len + 1);
    for (;;) {
      char *le = memmem(c->in + pos, c->in_len - pos, "\r\n", 2);
      if (!le) { free(tmp); return 0; }
      long sz = strtol(c->in + pos, NULL, 16);
      pos = le - c->in + 2;
      if (sz == 0) {
        char *te = memmem(c->in + pos, c->in_len - pos, "\r\n", 2);  // no trailers expected
        if (!te) { free(tmp); return 0; }
        pos = te - c->in + 2; break;
      }
      if (pos + sz + 2 > c->in_len) { free(tmp); return 0; }
      memcpy(tmp + bl, c->in + pos, sz); bl += sz; pos += sz + 2;
    }
    body = tmp; consumed = pos;
  } else {
    long cl = header_val(c->in, hl, "\r\ncontent-length", 0);
    if (c->in_len < hl + cl) return 0;
    body = c->in + hl; bl = cl; consumed = hl + cl;
  }
  c->want_close = memcasestr(c->in, hl, "connection: close") != NULL;
  int is_post = strncmp(c->in, "POST ", 5) == 0;
  int stream = 0; long maxtok = 16;
  const char *v = json_key(body, bl, "\"stream\"");
  if (v && strncmp(v, "true", 4) == 0) stream = 1;
  v = json_key(body, bl, "\"max_tokens\"");
  if (v && isdigit((unsigned char)*v)) maxtok = strtol(v, NULL, 10);
  if (maxtok < 2) maxtok = 2;
  if (maxtok > 100000) maxtok = 100000;
  long delay = header_val(c->in, hl, "\r\nx-mock-delay-ms", 0);
  free(tmp);
  char h[512]; int n;
  if (!is_post) {
    const char *nf = "{\"error\":\"not found\"}";
    n = snprintf(h, sizeof h, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\n\r\n%s", strlen(nf), nf);
    out_append(c, h, n);
  } else if (!stream) {
    size_t blen = strlen(BODY);
    n = snprintf(h, sizeof h, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\n\r\n", blen);
    out_append(c, h, n); out_append(c, BODY, blen);
  } else {
    n = snprintf(h, sizeof h, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                 "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n");
    out_append(c, h, n);
    if (delay <= 0) {
      for (int i = 0; i < maxtok; i++) sse_event(c, i, maxtok);
      sse_finish(c);
    } else {
      sse_event(c, 0, maxtok);
      c->stream_active = 1; c->stream_total = maxtok; c->stream_left = maxtok - 1;
      c->delay_ms = delay; c->next_ms = now_ms() + delay;
    }
  }
  return consumed;
}

static void conn_free(int ep, conn_t *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd); free(c->in); free(c->out); free(c);
}

static int flush_out(int ep, conn_t *c) {  // 0 ok, -1 closed
  while (c->out_off < c->out_len) {
    ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
    if (w < 0) {
      if (errno == EAGAIN) {
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        return 0;
      }
      return -1;
    }
    c->out_off += w;
  }
  c->out_off = c->out_len = 0;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  return 0;
}

#define MAXC 65536
static void *worker(void *arg) {
  (void)arg;
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(ls, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(g_port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (bind(ls, (void *)&a, sizeof a) || listen(ls, 4096)) { perror("bind/listen"); exit(1); }
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
  conn_t **streaming = calloc(MAXC, sizeof(conn_t *)); int nstream = 0;
  struct epoll_event evs[256];
  for (;;) {
    int timeout = -1;
    if (nstream) {
      long long t = now_ms(), m = 1LL << 62;
      for (int i = 0; i < nstream; i++) if (streaming[i]->next_ms < m) m = streaming[i]->next_ms;
      timeout = m > t ? (int)(m - t) : 0;
    }
    int n = epoll_wait(ep, evs, 256, timeout);
    for (int i = 0; i < n; i++) {
      conn_t *c = evs[i].data.ptr;
      if (!c) {
        for (;;) {
          int fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
          if (fd < 0) break;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          conn_t *nc = calloc(1, sizeof *nc); nc->fd = fd;
          struct epoll_event e2 = {.events = EPOLLIN, .data.ptr = nc};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e2);
        }
        continue;
      }
      if (evs[i].events & (EPOLLERR | EPOLLHUP)) goto dead;
      if (evs[i].events & EPOLLOUT) {
        if (flush_out(ep, c) < 0) goto dead;
        if (!c->out_len && c->want_close && !c->stream_active) goto dead;
      }
      if (evs[i].events & EPOLLIN) {
        for (;;) {
          if (c->in_cap - c->in_len < 16384) {
            c->in_cap = c->in_cap ? c->in_cap * 2 : 32768; c->in = realloc(c->in, c->in_cap);
          }
          ssize_t r = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
          if (r == 0) goto dead;
          if (r < 0) { if (errno == EAGAIN) break; goto dead; }
          c->in_len += r;
        }
        while (!c->stream_active && c->in_len) {
          long used = handle_request(c);
          if (used < 0) goto dead;
          if (used == 0) break;
          memmove(c->in, c->in + used, c->in_len - used); c->in_len -= used;
          if (c->stream_active) {
            // ensure it is not already in list
            int found = 0;
            for (int k = 0; k < nstream; k++) if (streaming[k] == c) found = 1;
            if (!found && nstream < MAXC) streaming[nstream++] = c;
          }
        }
        if (flush_out(ep, c) < 0) goto dead;
        if (!c->out_len && c->want_close && !c->stream_active) goto dead;
      }
      continue;
    dead:
      for (int k = 0; k < nstream; k++) if (streaming[k] == c) { streaming[k] = streaming[--nstream]; break; }
      conn_free(ep, c);
    }
    if (nstream) {  // timed SSE emission
      long long t = now_ms();
      for (int k = 0; k < nstream;) {
        conn_t *c = streaming[k];
        if (c->next_ms <= t) {
          int idx = c->stream_total - c->stream_left;
          sse_event(c, idx, c->stream_total);
          if (--c->stream_left == 0) { sse_finish(c); c->stream_active = 0; }
          c->next_ms = t + c->delay_ms;
          if (flush_out(ep, c) < 0) {
            streaming[k] = streaming[--nstream]; conn_free(ep, c); continue;
          }
          if (!c->stream_active) { streaming[k] = streaming[--nstream]; continue; }
        }
        k++;
      }
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  g_port = argc > 1 ? atoi(argv[1]) : 18080;
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  pthread_t t[64];
  for (int i = 1; i < threads && i < 64; i++) pthread_create(&t[i], NULL, worker, NULL);
  worker(NULL);
  return 0;
}
