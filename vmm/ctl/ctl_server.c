// SPDX-License-Identifier: GPL-2.0
/* The control server (vmm/ctl/ctl_server.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_server.h"
#include "../vmm_thread.h"

#define CTL_MAX_CONNS 16
#define CTL_MAX_BACKLOG (1 << 20) /* a follower further behind than this is dropped */

extern const struct ctl_command *const __start_mirrorvm_ctl[];
extern const struct ctl_command *const __stop_mirrorvm_ctl[];

enum conn_state { CONN_READING, CONN_FOLLOWING, CONN_CLOSING };

struct ctl_conn {
	int fd;
	enum conn_state state;
	char in[CTL_MAX_LINE];
	size_t in_len;
	int64_t deadline_ms;
	struct ctl_out out;
	size_t out_sent;
	const struct ctl_command *cmd;
	enum ctl_format format;
	struct ctl_follow follow;
};

struct ctl_server {
	int lfd, stop_fd, wake_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	void *vm;
	pthread_t thread;
	unsigned int nconn;
	/* Last: cleared one by one as connections take them (accept_one()), never all at once. */
	struct ctl_conn conn[CTL_MAX_CONNS];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct ctl_command *find_command(const char *name)
{
	for (const struct ctl_command *const *c = __start_mirrorvm_ctl; c < __stop_mirrorvm_ctl;
	     c++)
		if (!strcmp((*c)->name, name))
			return *c;
	return NULL;
}

static int help_fn(void *vm, const struct ctl_request *req, struct ctl_out *o, struct ctl_follow *f)
{
	for (const struct ctl_command *const *c = __start_mirrorvm_ctl; c < __stop_mirrorvm_ctl;
	     c++)
		ctl_printf(o, "%-10s %-22s %s", (*c)->name, (*c)->usage, (*c)->help);
	ctl_ok(o);
	return 0;
}

static const struct ctl_command help_cmd = {
	.name = "help",
	.usage = "",
	.help = "list the commands",
	.fn = help_fn,
};
CTL_COMMAND(help_cmd);

static void dispatch(struct ctl_server *s, struct ctl_conn *c)
{
	struct ctl_request req;
	const char *why;
	int args, ret;

	c->state = CONN_CLOSING;
	if (ctl_parse_request(c->in, &req, &why)) {
		ctl_error(&c->out, "usage", "%s", why);
		return;
	}
	c->format = req.format;
	c->cmd = find_command(req.argv[0]);
	if (!c->cmd) {
		ctl_error(&c->out, "unknown", "unknown command '%s' (try help)", req.argv[0]);
		return;
	}
	args = req.argc - 1;
	if (args < c->cmd->min_args || args > c->cmd->max_args) {
		ctl_error(&c->out, "usage", "usage: %s %s", c->cmd->name, c->cmd->usage);
		return;
	}
	c->follow.filter = -1;
	ret = c->cmd->fn(s->vm, &req, &c->out, &c->follow);
	if (ret == CTL_FOLLOW && c->cmd->follow && !c->out.done)
		c->state = CONN_FOLLOWING;
	else
		ctl_ok(&c->out); /* a handler that forgot its status still ends the reply */
	if (c->out.oom) {
		ctl_out_reset(&c->out);
		ctl_error(&c->out, "internal", "out of memory");
	}
}

static void conn_close(struct ctl_server *s, unsigned int i)
{
	close(s->conn[i].fd);
	ctl_out_free(&s->conn[i].out);
	s->conn[i] = s->conn[--s->nconn];
	memset(&s->conn[s->nconn], 0, sizeof(s->conn[s->nconn]));
}

/* For refusals: the peer may already be gone, and then there is no one left to tell. */
static void send_best_effort(int fd, const char *msg)
{
	(void)!send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static int peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return 0;
	return cred.uid == geteuid() || cred.uid == 0;
}

static void accept_one(struct ctl_server *s)
{
	int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct ctl_conn *c;

	if (fd < 0)
		return;
	if (!peer_allowed(fd) || s->nconn == CTL_MAX_CONNS) {
		static const char busy[] = "error busy too many connections\n";
		static const char denied[] = "error state permission denied\n";
		const char *msg = s->nconn == CTL_MAX_CONNS ? busy : denied;

		send_best_effort(fd, msg);
		close(fd);
		return;
	}
	c = &s->conn[s->nconn++];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->state = CONN_READING;
	c->deadline_ms = now_ms() + CTL_REQUEST_MS;
}

/* Reads what there is; returns -1 when the connection should go. */
static int conn_read(struct ctl_server *s, struct ctl_conn *c)
{
	char tmp[512];
	ssize_t n = read(c->fd, tmp, sizeof(tmp));

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	if (n < 0 || c->state != CONN_READING)
		return 0; /* followers may only close; anything else they send is ignored */
	for (ssize_t i = 0; i < n; i++) {
		if (c->in_len == sizeof(c->in) - 1) {
			ctl_error(&c->out, "usage", "request too long");
			c->state = CONN_CLOSING;
			return 0;
		}
		c->in[c->in_len++] = tmp[i];
		if (tmp[i] == '\n') {
			c->in[c->in_len] = '\0';
			dispatch(s, c);
			return 0;
		}
	}
	return 0;
}

/* Writes what is pending; returns -1 when the connection should go. */
static int conn_write(struct ctl_conn *c)
{
	while (c->out_sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.buf + c->out_sent, c->out.len - c->out_sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->out_sent += (size_t)n;
	}
	if (c->out_sent == c->out.len) {
		ctl_out_reset(&c->out);
		c->out_sent = 0;
		if (c->state == CONN_CLOSING)
			return -1;
	}
	return c->out.len - c->out_sent > CTL_MAX_BACKLOG ? -1 : 0;
}

static void wake_followers(struct ctl_server *s)
{
	uint64_t v;

	if (read(s->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	for (unsigned int i = 0; i < s->nconn; i++) {
		struct ctl_conn *c = &s->conn[i];

		if (c->state == CONN_FOLLOWING)
			c->cmd->follow(s->vm, &c->follow, c->format, &c->out);
	}
}

static int poll_timeout(struct ctl_server *s)
{
	int64_t t = 1000, now = now_ms();

	for (unsigned int i = 0; i < s->nconn; i++)
		if (s->conn[i].state == CONN_READING && s->conn[i].deadline_ms - now < t)
			t = s->conn[i].deadline_ms - now;
	return t < 0 ? 0 : (int)t;
}

static bool serve_once(struct ctl_server *s)
{
	struct pollfd pfd[CTL_MAX_CONNS + 3];
	unsigned int n = s->nconn, i;

	for (i = 0; i < n; i++) {
		pfd[i].fd = s->conn[i].fd;
		pfd[i].events = POLLIN | (s->conn[i].out.len ? POLLOUT : 0);
	}
	pfd[n] = (struct pollfd){ .fd = s->stop_fd, .events = POLLIN };
	pfd[n + 1] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
	pfd[n + 2] = (struct pollfd){ .fd = s->wake_fd, .events = POLLIN };
	if (poll(pfd, n + 3, poll_timeout(s)) < 0 && errno != EINTR)
		return false;
	if (pfd[n].revents)
		return false;
	if (s->wake_fd >= 0 && pfd[n + 2].revents & POLLIN)
		wake_followers(s);
	/* Backwards, so that closing (which moves the last connection into the hole) is safe. */
	for (i = n; i-- > 0;) {
		struct ctl_conn *c = &s->conn[i];
		int gone = 0;

		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			gone = conn_read(s, c);
		if (!gone && c->state == CONN_READING && now_ms() >= c->deadline_ms) {
			ctl_error(&c->out, "usage", "no complete request within %d ms",
				  CTL_REQUEST_MS);
			c->state = CONN_CLOSING;
		}
		if (!gone && (c->out.len || c->state == CONN_CLOSING))
			gone = conn_write(c);
		if (gone)
			conn_close(s, i);
	}
	if (pfd[n + 1].revents & POLLIN)
		accept_one(s);
	return true;
}

static void *ctl_thread(void *arg)
{
	struct ctl_server *s = arg;

	while (serve_once(s))
		;
	for (unsigned int i = 0; i < s->nconn; i++) {
		if (s->conn[i].state == CONN_FOLLOWING)
			ctl_error(&s->conn[i].out, "state", "the VM has exited");
		conn_write(&s->conn[i]);
	}
	while (s->nconn)
		conn_close(s, s->nconn - 1);
	return NULL;
}

/* Binds path, replacing a stale socket left by a VMM that died. */
static int bind_path(int fd, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int probe, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	if (!bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return 0;
	if (errno != EADDRINUSE)
		return -errno;
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	ret = connect(probe, (struct sockaddr *)&sa, sizeof(sa));
	close(probe);
	if (!ret || errno != ECONNREFUSED)
		return -EADDRINUSE;
	unlink(path);
	return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
}

int ctl_server_start(struct ctl_server **out, const char *path, void *vm, int wake_fd)
{
	/*
	 * The connection slots are 64 KiB: clearing them here wrote 16 fresh pages at every launch
	 * (16 page faults, which the box makes dear) for connections that most runs never get.
	 */
	struct ctl_server *s = malloc(sizeof(*s));
	sigset_t all, old;
	int ret;

	if (!s)
		return -ENOMEM;
	memset(s, 0, offsetof(struct ctl_server, conn));
	s->vm = vm;
	s->wake_fd = wake_fd;
	s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->stop_fd < 0 || s->lfd < 0) {
		ret = -errno;
		goto err;
	}
	ret = bind_path(s->lfd, path);
	if (ret)
		goto err;
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (chmod(path, 0600) || listen(s->lfd, 8)) {
		ret = -errno;
		goto err_unlink;
	}
	/* Signals belong to the event loop (signalfd): this thread must never take one. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = vmm_thread_create(&s->thread, ctl_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		goto err_unlink;
	*out = s;
	return 0;
err_unlink:
	unlink(path);
err:
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	free(s);
	return ret;
}

void ctl_server_stop(struct ctl_server *s)
{
	uint64_t one = 1;

	if (!s)
		return;
	/* An eventfd write only fails on overflow, which would still wake the thread. */
	(void)!write(s->stop_fd, &one, sizeof(one));
	pthread_join(s->thread, NULL);
	close(s->lfd);
	close(s->stop_fd);
	unlink(s->path);
	free(s);
}

int ctl_default_path(char *buf, size_t size)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	char dir[200];
	struct stat st;
	int n;

	if (rt && *rt)
		snprintf(dir, sizeof(dir), "%s/mirrorvm", rt);
	else
		snprintf(dir, sizeof(dir), "/tmp/mirrorvm-%u", (unsigned int)geteuid());
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	/* Someone else's directory in /tmp would let them swap our socket. */
	if (lstat(dir, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return -EPERM;
	n = snprintf(buf, size, "%s/%d.sock", dir, (int)getpid());
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
