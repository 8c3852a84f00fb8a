// SPDX-License-Identifier: GPL-2.0
/* mirrorvm: the command-line entry point. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../boot/elf_load.h"
#include "../ctl/ctl_server.h"
#include "../evhub.h"
#include "../exit_stats.h"
#include "guest_abi.h"
#include "guests.h"
#include "mmu.h"
#include "report.h"
#include "trace_rec.h"
#include "../stress/stress.h"
#include "../vm.h"
#include "vm_config.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: mirrorvm COMMAND [ARGS...]\n"
		   "\n"
		   "commands:\n"
		   "  run [OPTIONS] GUEST  boot a test guest (an ELF path or a bundled name)\n"
		   "  guests               list the bundled test guests\n"
		   "  ctl SOCKET COMMAND   talk to a running VM (mirrorvm ctl SOCKET help)\n"
		   "  report TRACE -o F    draw a trace as FILE.svg or FILE.html\n"
		   "  stress [SCENARIO...]  perturb guest RAM under running guests; the mirror as "
		   "witness\n"
		   "  version              print the version\n"
		   "  help                 this text\n");
}

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: mirrorvm run [OPTIONS] GUEST\n"
		"\n"
		"  --mem SIZE         guest RAM, like 512M or 2G (default 256M)\n"
		"  --cpus N           vCPUs, 1 to %d (default 1)\n"
		"  --thp, --no-thp    back guest RAM with transparent huge pages (default on)\n"
		"  --no-mirror        do not register guest RAM with /dev/mmirror\n"
		"  --param KEY=VALUE  a property in the guest's device tree (/params)\n"
		"  --stats            print the mirror's counts and the exits by reason and port\n"
		"  --control PATH     the control socket (default: printed at start)\n"
		"  --no-control       no control socket\n"
		"  --trace FILE       record mirror snapshots and events for mirrorvm report\n"
		"\n"
		"Linux guests (instead of GUEST): --kernel bzImage|vmlinux [--pvh] [--initrd FILE]\n"
		"  [--cmdline STR] [--disk FILE[,ro]]... [--balloon[=report]] [--balloon-steps S:MIB,...]\n"
		"  [--console serial|virtio]  (virtio: hvc0, and stdin goes there instead of COM1)\n"
		"  [--cpuid default|host]  (host: the host's CPU family, not a modern one)\n"
		"\n"
		"exit status: the guest's (0-%d), %d bad command line, %d bad image, %d host "
		"failure, %d guest crash, 128+N on signal N\n",
		GUEST_MAX_CPUS, GUEST_EXIT_MAX, MIRRORVM_EXIT_USAGE, MIRRORVM_EXIT_IMAGE,
		MIRRORVM_EXIT_HOST, MIRRORVM_EXIT_CRASH);
}

/* The control socket and the trace: the debugging side of a run, started once the mirror is. */
struct run_debug {
	struct ctl_server *ctl;
	struct trace_rec_state *trace;
};

static void debug_start(struct vm *vm, const struct vm_config *cfg, struct run_debug *d)
{
	struct evhub *hub = vm_mirror_hub(vm);
	char path[256];
	int ret;

	if (!cfg->no_control) {
		ret = cfg->control ? (snprintf(path, sizeof(path), "%s", cfg->control), 0)
				   : ctl_default_path(path, sizeof(path));
		if (!ret)
			ret = ctl_server_start(&d->ctl, path, vm, hub ? hub->efd : -1);
		if (ret)
			fprintf(stderr, "control: off (%s: %s)\n", path, strerror(-ret));
		else
			fprintf(stderr, "control: %s\n", path);
	}
	if (cfg->trace) {
		ret = trace_rec_start(&d->trace, vm, cfg->trace);
		if (ret)
			fprintf(stderr, "trace: off (%s: %s)\n", cfg->trace,
				ret == -ENODEV ? "the mirror is off" : strerror(-ret));
	}
}

static void debug_stop(struct run_debug *d, const struct vm_config *cfg)
{
	int ret;

	ctl_server_stop(d->ctl);
	ret = trace_rec_stop(d->trace);
	if (ret)
		fprintf(stderr, "trace: %s: %s\n", cfg->trace, strerror(-ret));
	else if (d->trace)
		fprintf(stderr, "trace: written to %s\n", cfg->trace);
}

static int run_vm(const struct vm_config *cfg, const void *image, size_t len)
{
	struct run_debug dbg = { 0 };
	char err[512] = "";
	struct vm vm;
	int ret, status;

	ret = vm_create(&vm, cfg, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "mirrorvm: %s\n", err);
		vm_destroy(&vm);
		return MIRRORVM_EXIT_HOST;
	}
	vm_mirror_attach(&vm);
	if (cfg->kernel)
		ret = vm_boot_linux(&vm, err, sizeof(err));
	else
		ret = vm_boot_elf(&vm, image, len, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "mirrorvm: %s: %s\n", cfg->kernel ? "--kernel" : cfg->image_path,
			err);
		status = ret == -ENOEXEC ? MIRRORVM_EXIT_IMAGE : MIRRORVM_EXIT_HOST;
	} else {
		debug_start(&vm, cfg, &dbg);
		status = vm_run(&vm);
		debug_stop(&dbg, cfg);
		if (cfg->stats)
			vm_exit_stats_print(&vm);
	}
	vm_mirror_detach(&vm);
	vm_destroy(&vm);
	return status;
}

static int cmd_run(int argc, char **argv)
{
	char err[512] = "", path[PATH_MAX];
	struct vm_config cfg;
	size_t len;
	void *image;
	int status;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			run_usage(stdout);
			return 0;
		}
	if (vm_config_parse(&cfg, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "mirrorvm run: %s\n", err);
		return MIRRORVM_EXIT_USAGE;
	}
	if (cfg.kernel)
		return run_vm(&cfg, NULL, 0);
	if (guests_resolve(cfg.guest, path, sizeof(path), err, sizeof(err))) {
		fprintf(stderr, "mirrorvm run: %s\n", err);
		return MIRRORVM_EXIT_IMAGE;
	}
	cfg.image_path = path;
	if (elf_read_file(path, &image, &len, err, sizeof(err))) {
		fprintf(stderr, "mirrorvm run: %s\n", err);
		return MIRRORVM_EXIT_IMAGE;
	}
	status = run_vm(&cfg, image, len);
	free(image);
	return status;
}

static const char *report_kind_name(uint32_t kind)
{
	return mmu_callback_name(kind);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return MIRRORVM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("mirrorvm %s\n", MIRRORVM_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stress"))
		return stress_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ctl"))
		return ctl_client_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "report"))
		return report_main(argc - 1, argv + 1, report_kind_name);
	if (!strcmp(argv[1], "guests")) {
		if (guests_list())
			return 0;
		fprintf(stderr, "mirrorvm: no bundled guests found (built with -Dguests=false?)\n");
		return 1;
	}
	fprintf(stderr, "mirrorvm: unknown command '%s' (see mirrorvm --help)\n", argv[1]);
	return MIRRORVM_EXIT_USAGE;
}
