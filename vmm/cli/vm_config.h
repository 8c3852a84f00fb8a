/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a run was asked for: filled in by the command line (vmm/cli/main.c), read by the VMM and by
 * every device's create(). New features add fields here; zero must mean "off" or "default".
 */
#ifndef MIRRORVM_VM_CONFIG_H
#define MIRRORVM_VM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_MAX_PARAMS 32
#define VM_MAX_DISKS 8
#define VM_PARAM_KEY_MAX 64
#define VM_DEFAULT_MEM (256ULL << 20)
#define VM_DEFAULT_CPUS 1

struct vm_param {
	const char *key;
	const char *value;
};

struct vm_config {
	uint64_t mem_size;
	unsigned int nr_cpus;
	bool thp;
	bool mirror; /* use /dev/mmirror when it exists */
	bool stats; /* print the mirror's counts at exit */
	const char *control; /* control socket path; NULL: the default one */
	bool no_control;
	const char *trace; /* record mirror snapshots and events here */
	const char *guest; /* as given: a path or a bundled guest's name */
	const char *image_path; /* resolved ELF path */
	struct vm_param param[VM_MAX_PARAMS];
	unsigned int nr_params;
	char param_key[VM_MAX_PARAMS][VM_PARAM_KEY_MAX]; /* the keys, argv left as it was */
	/* Linux guests (vmm/boot/boot_linux_cli.c): --kernel replaces the guest argument. */
	const char *kernel, *initrd, *cmdline;
	bool pvh;
	const char *disk[VM_MAX_DISKS]; /* "FILE" or "FILE,ro" */
	unsigned int nr_disks;
	bool balloon, balloon_report;
	const char *balloon_steps;
	bool virtio_console; /* --console virtio: hvc0, and stdin goes there, not to COM1 */
	bool cpuid_host; /* --cpuid host: the host's family and model, not a modern one */
};

/* A Linux-guest option at argv[*i]: 1 if taken (and *i moved past its value), 0 if not one. */
int linux_config_opt(struct vm_config *cfg, int argc, char **argv, int *i, char *err,
		     size_t errlen);

/* Parses "512M", "2G", "4096" (bytes), "64k"; 0 or -EINVAL / -ERANGE. */
int vm_parse_size(const char *s, uint64_t *out);

/*
 * Parses the arguments of `mirrorvm run` (argv[0] is "run"). 0, or -EINVAL with a message in
 * err. Does not look at the host: memory and CPU limits of the machine are checked by the VM.
 */
int vm_config_parse(struct vm_config *cfg, int argc, char **argv, char *err, size_t errlen);

#endif
