// SPDX-License-Identifier: GPL-2.0
/*
 * Misbehaving control clients: garbage bytes, half a request then silence, a follower that
 * hangs up at once, a request cut off mid-line, and more connections than the server takes.
 * usage: ctl-poke SOCKET garbage|half|hangup|cut|flood
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("ctl-poke: connect");
		exit(1);
	}
	return fd;
}

/* The server may hang up on nonsense before it is all sent: that is its right, not an error. */
static void say(int fd, const void *p, size_t n)
{
	if (send(fd, p, n, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET) {
		perror("ctl-poke: send");
		exit(1);
	}
}

static void show_reply(int fd)
{
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n > 0) {
		buf[n] = '\0';
		printf("server said: %s", buf);
	}
}

int main(int argc, char **argv)
{
	unsigned char junk[3000];
	int fds[40], fd;

	if (argc != 3)
		return 2;
	if (!strcmp(argv[2], "garbage")) {
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (unsigned char)(i * 131 + 7);
		fd = dial(argv[1]);
		say(fd, junk, sizeof(junk));
		say(fd, "\n", 1);
		show_reply(fd);
		close(fd);
	} else if (!strcmp(argv[2], "half")) {
		fd = dial(argv[1]);
		say(fd, "mirrorvm-ctl/1 text sta", 23);
		sleep(3); /* past the server's request deadline */
		close(fd);
	} else if (!strcmp(argv[2], "hangup")) {
		fd = dial(argv[1]);
		say(fd, "mirrorvm-ctl/1 text events --follow\n", 36);
		close(fd);
	} else if (!strcmp(argv[2], "cut")) {
		fd = dial(argv[1]);
		say(fd, "mirrorvm-ctl/1 text shadow 0x800000-0x8", 40);
		close(fd);
	} else if (!strcmp(argv[2], "flood")) {
		for (int i = 0; i < 40; i++)
			fds[i] = dial(argv[1]);
		for (int i = 0; i < 40; i++)
			close(fds[i]);
	} else {
		return 2;
	}
	return 0;
}
