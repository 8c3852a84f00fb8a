// SPDX-License-Identifier: GPL-2.0
/* `mirrorvm ctl`: one request to a running VM's control socket, its reply on stdout. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_server.h"

static int ctl_usage(void)
{
	fprintf(stderr, "usage: mirrorvm ctl [--json] SOCKET COMMAND [ARG...]\n"
			"       mirrorvm ctl SOCKET help   lists the commands\n");
	return 2;
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "mirrorvm ctl: %s: path too long for a socket\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		fprintf(stderr, "mirrorvm ctl: %s: %s%s\n", path, strerror(e),
			e == ENOENT || e == ECONNREFUSED ? " (is the VM running?)" : "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Prints one reply line; returns 1 at the status line (0 ok, else error), 0 for body. */
static int reply_line(const char *line, int *status)
{
	if (!strncmp(line, "| ", 2)) {
		fputs(line + 2, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		return 0;
	}
	if (!strcmp(line, "ok")) {
		*status = 0;
		return 1;
	}
	if (!strncmp(line, "error ", 6)) {
		fprintf(stderr, "mirrorvm ctl: %s\n", line + 6);
		*status = 1;
		return 1;
	}
	fprintf(stderr, "mirrorvm ctl: the server sent something that is not the protocol\n");
	*status = 3;
	return 1;
}

static int read_reply(int fd)
{
	char buf[8192], line[CTL_MAX_LINE * 4];
	size_t len = 0;
	int status = 3;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (len < sizeof(line) - 1)
					line[len++] = buf[i];
				continue;
			}
			line[len] = '\0';
			len = 0;
			if (reply_line(line, &status))
				return status;
		}
	}
	fprintf(stderr, "mirrorvm ctl: the connection closed before the reply ended\n");
	return 3;
}

int ctl_client_main(int argc, char **argv)
{
	enum ctl_format fmt = CTL_TEXT;
	char req[CTL_MAX_LINE + 2];
	int i = 1, fd, ret;

	if (i < argc && !strcmp(argv[i], "--json")) {
		fmt = CTL_JSON;
		i++;
	}
	if (argc - i < 2)
		return ctl_usage();
	ret = ctl_format_request(req, sizeof(req), fmt, argc - i - 1, argv + i + 1);
	if (ret) {
		fprintf(stderr, "mirrorvm ctl: %s\n",
			ret == -EINVAL ? "arguments may not be empty or contain spaces"
				       : "request too long");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	fd = ctl_connect(argv[i]);
	if (fd < 0)
		return 3;
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
		fprintf(stderr, "mirrorvm ctl: sending the request: %s\n", strerror(errno));
		close(fd);
		return 3;
	}
	ret = read_reply(fd);
	close(fd);
	return ret;
}
