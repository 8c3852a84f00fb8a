// SPDX-License-Identifier: GPL-2.0
/*
 * The control protocol and server without a VM: request parsing (a table of good and bad
 * lines), numbers and ranges, and a live server on a temporary socket with test commands:
 * replies, errors, garbage, half-sent and abandoned requests, a follower fed from the event hub,
 * and followers told when the VM goes away.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../vmm/ctl/ctl_server.h"
#include "../../vmm/evhub.h"
#include "tap.h"

static struct evhub hub;

static int echo_fn(void *vm, const struct ctl_request *req, struct ctl_out *o, struct ctl_follow *f)
{
	for (int i = 1; i < req->argc; i++)
		ctl_printf(o, "%s%s", req->format == CTL_JSON ? "json:" : "", req->argv[i]);
	ctl_ok(o);
	return 0;
}

static const struct ctl_command echo_cmd = {
	.name = "echo",
	.usage = "ARG...",
	.help = "test",
	.min_args = 1,
	.max_args = 3,
	.fn = echo_fn,
};
CTL_COMMAND(echo_cmd);

static int follow_fn(void *vm, const struct ctl_request *req, struct ctl_out *o,
		     struct ctl_follow *f)
{
	f->cursor = hub.pushed;
	return CTL_FOLLOW;
}

static void follow_more(void *vm, struct ctl_follow *f, enum ctl_format fmt, struct ctl_out *o)
{
	struct mmirror_event ev[8];
	uint64_t missed;
	size_t n;

	while ((n = evhub_read(&hub, &f->cursor, ev, 8, &missed)))
		for (size_t i = 0; i < n; i++)
			ctl_printf(o, "seq %llu", (unsigned long long)ev[i].seq);
}

static const struct ctl_command follow_cmd = {
	.name = "follow",
	.usage = "",
	.help = "test",
	.fn = follow_fn,
	.follow = follow_more,
};
CTL_COMMAND(follow_cmd);

static void parse_table(void)
{
	static const struct {
		const char *line;
		int ok, argc;
	} cases[] = {
		{ "mirrorvm-ctl/1 text status\n", 1, 1 },
		{ "mirrorvm-ctl/1 json shadow 0x1000-0x2000", 1, 2 },
		{ "mirrorvm-ctl/1 text a b c d e f g h i j k l m n o p\n", 1, 16 },
		{ "mirrorvm-ctl/1 text a b c d e f g h i j k l m n o p q\n", 0, 0 },
		{ "mirrorvm-ctl/2 text status\n", 0, 0 },
		{ "mirrorvm-ctl/1 xml status\n", 0, 0 },
		{ "mirrorvm-ctl/1 text\n", 0, 0 },
		{ "mirrorvm-ctl/1 text sta\ttus\n", 0, 0 },
		{ "mirrorvm-ctl/1 text status\nstatus\n", 0, 0 },
		{ "", 0, 0 },
		{ "\xff\xfe garbage", 0, 0 },
	};
	struct ctl_request req;
	const char *why;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = ctl_parse_request(cases[i].line, &req, &why);

		ok((ret == 0) == cases[i].ok && (!cases[i].ok || req.argc == cases[i].argc),
		   "request %zu %s%s%s", i, cases[i].ok ? "parses" : "is refused", why ? ": " : "",
		   why ? why : "");
	}
}

static void numbers(void)
{
	uint64_t a, b;

	ok(!ctl_parse_u64("0x1000", &a) && a == 0x1000, "hex number");
	ok(!ctl_parse_u64("2M", &a) && a == 2 << 20, "size suffix");
	ok(ctl_parse_u64("-1", &a) < 0, "negative refused");
	ok(ctl_parse_u64("12Q", &a) < 0, "bad suffix refused");
	ok(ctl_parse_u64("99999999999999999999", &a) < 0, "overflow refused");
	ok(ctl_parse_u64("0xffffffffffffG", &a) < 0, "suffix overflow refused");
	ok(!ctl_parse_range("0x1000-0x3000", &a, &b) && a == 0x1000 && b == 0x3000, "range");
	ok(!ctl_parse_range("0x1234", &a, &b) && a == 0x1234 && b == 0x2000,
	   "one address: its page");
	ok(ctl_parse_range("0x3000-0x1000", &a, &b) < 0, "backwards range refused");
}

static int dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads until the peer closes, a status line arrives, or timeout_ms passes. */
static char *slurp(int fd, int timeout_ms)
{
	static char buf[8192];
	size_t len = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (len < sizeof(buf) - 1 && poll(&p, 1, timeout_ms) > 0) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "ok\n") || strstr(buf, "error "))
			break;
	}
	buf[len] = '\0';
	return buf;
}

static char *ask(const char *path, const char *req)
{
	int fd = dial(path);
	char *r;

	if (fd < 0)
		return "connect failed";
	if (write(fd, req, strlen(req)) < 0)
		return "write failed";
	r = slurp(fd, 5000);
	close(fd);
	return r;
}

static void live_server(const char *path)
{
	struct ctl_server *s;
	struct stat st;
	int idle, half, fol;
	char *r;

	if (!ok(ctl_server_start(&s, path, NULL, hub.efd) == 0, "server starts"))
		return;
	ok(!stat(path, &st) && (st.st_mode & 0777) == 0600, "socket is mode 0600");
	r = ask(path, "mirrorvm-ctl/1 text echo hello world\n");
	ok(!strcmp(r, "| hello\n| world\nok\n"), "echo replies with body lines and ok");
	r = ask(path, "mirrorvm-ctl/1 json echo x\n");
	ok(!strcmp(r, "| json:x\nok\n"), "json format reaches the handler");
	r = ask(path, "mirrorvm-ctl/1 text nosuch\n");
	ok(!strncmp(r, "error unknown ", 14), "unknown command is an error");
	r = ask(path, "mirrorvm-ctl/1 text echo\n");
	ok(!strncmp(r, "error usage usage: echo", 23), "too few arguments is a usage error");
	r = ask(path, "\x01\x02garbage\n");
	ok(!strncmp(r, "error usage ", 12), "garbage is a usage error");
	r = ask(path, "mirrorvm-ctl/1 text help\n");
	ok(strstr(r, "| echo") && strstr(r, "| follow") && strstr(r, "ok\n"),
	   "help lists commands");

	half = dial(path);
	ok(write(half, "mirrorvm-ctl/1 te", 17) == 17, "a client sends half a request");
	close(half);
	idle = dial(path);
	fol = dial(path);
	ok(write(fol, "mirrorvm-ctl/1 text follow\n", 27) == 27, "a follower subscribes");
	r = ask(path, "mirrorvm-ctl/1 text echo still-here\n");
	ok(!strcmp(r, "| still-here\nok\n"),
	   "a half request, an idle and a follower disturb no one");
	for (uint64_t i = 1; i <= 3; i++)
		evhub_push(&hub, &(struct mmirror_event){ .seq = 100 + i });
	r = slurp(fol, 2000);
	ok(strstr(r, "| seq 101\n| seq 102\n| seq 103\n") != NULL, "follower sees pushed events");
	r = slurp(idle, 4000);
	ok(!strncmp(r, "error usage no complete request", 31), "an idle client is timed out");
	close(idle);
	ctl_server_stop(s);
	r = slurp(fol, 2000);
	ok(strstr(r, "error state the VM has exited") != NULL, "follower is told the VM exited");
	close(fol);
	ok(access(path, F_OK) && errno == ENOENT, "socket removed at stop");
}

static void stale_socket(const char *path)
{
	struct ctl_server *a, *b;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	strcpy(sa.sun_path, path);
	ok(!bind(fd, (struct sockaddr *)&sa, sizeof(sa)), "a stale socket file is left behind");
	close(fd);
	ok(ctl_server_start(&a, path, NULL, -1) == 0, "a server replaces a stale socket");
	ok(ctl_server_start(&b, path, NULL, -1) == -EADDRINUSE, "but not a live one");
	ctl_server_stop(a);
}

int main(void)
{
	char dir[] = "/tmp/mirrorvm-ctl-XXXXXX", path[128];

	parse_table();
	numbers();
	if (evhub_init(&hub, 4) || !mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	live_server(path);
	stale_socket(path);
	rmdir(dir);
	evhub_destroy(&hub);
	return tap_done();
}
