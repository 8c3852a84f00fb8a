// SPDX-License-Identifier: GPL-2.0
/*
 * A small flattened-device-tree reader: Debian's libfdt is built for the host and cannot be
 * linked into a freestanding image. Only what the test guests need: find a node by path, read
 * its properties and children. Offsets are into the structure block.
 */
#include "guest.h"

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

struct fdt_hdr {
	uint32_t magic, totalsize, off_struct, off_strings, off_rsvmap, version, last_comp_version,
		boot_cpuid, size_strings, size_struct;
};

static const char *fdt_struct(const void *fdt)
{
	return (const char *)fdt + fdt32(&((const struct fdt_hdr *)fdt)->off_struct);
}

static const char *fdt_string(const void *fdt, uint32_t off)
{
	return (const char *)fdt + fdt32(&((const struct fdt_hdr *)fdt)->off_strings) + off;
}

static int align4(int off)
{
	return (off + 3) & ~3;
}

/* The offset just past the token at off (a node: past its whole subtree). */
static int fdt_skip(const void *fdt, int off)
{
	const char *s = fdt_struct(fdt);
	int depth = 0;

	do {
		uint32_t tok = fdt32(s + off);

		off += 4;
		switch (tok) {
		case FDT_BEGIN_NODE:
			depth++;
			off = align4(off + strlen(s + off) + 1);
			break;
		case FDT_END_NODE:
			depth--;
			break;
		case FDT_PROP:
			off = align4(off + 8 + fdt32(s + off));
			break;
		case FDT_NOP:
			break;
		default:
			return -1;
		}
	} while (depth > 0);
	return off;
}

static bool fdt_name_is(const char *name, const char *want, size_t len)
{
	if (strncmp(name, want, len))
		return false;
	return name[len] == '\0' || name[len] == '@';
}

/* The child of node named comp (len bytes), or -1. */
static int fdt_child(const void *fdt, int node, const char *comp, size_t len)
{
	const char *s = fdt_struct(fdt);
	int off = align4(node + 4 + strlen(s + node + 4) + 1);

	for (;;) {
		uint32_t tok = fdt32(s + off);

		if (tok == FDT_BEGIN_NODE && fdt_name_is(s + off + 4, comp, len))
			return off;
		if (tok != FDT_BEGIN_NODE && tok != FDT_PROP && tok != FDT_NOP)
			return -1;
		off = fdt_skip(fdt, off);
		if (off < 0)
			return -1;
	}
}

int fdt_node(const void *fdt, const char *path)
{
	int node = 0;

	if (fdt32(fdt) != FDT_MAGIC || fdt32(fdt_struct(fdt)) != FDT_BEGIN_NODE)
		return -1;
	while (*path) {
		size_t len = 0;

		while (*path == '/')
			path++;
		while (path[len] && path[len] != '/')
			len++;
		if (!len)
			break;
		node = fdt_child(fdt, node, path, len);
		if (node < 0)
			return -1;
		path += len;
	}
	return node;
}

int fdt_props(const void *fdt, int node,
	      void (*fn)(void *arg, const char *name, const void *val, uint32_t len), void *arg)
{
	const char *s = fdt_struct(fdt);
	int off = align4(node + 4 + strlen(s + node + 4) + 1), n = 0;

	for (;;) {
		uint32_t tok = fdt32(s + off);

		if (tok == FDT_NOP) {
			off += 4;
			continue;
		}
		if (tok != FDT_PROP)
			return n;
		if (fn)
			fn(arg, fdt_string(fdt, fdt32(s + off + 8)), s + off + 12, fdt32(s + off + 4));
		n++;
		off = align4(off + 12 + fdt32(s + off + 4));
	}
}

struct prop_find {
	const char *name;
	const void *val;
	uint32_t len;
};

static void prop_find_fn(void *arg, const char *name, const void *val, uint32_t len)
{
	struct prop_find *pf = arg;

	if (!pf->val && !strcmp(name, pf->name)) {
		pf->val = val;
		pf->len = len;
	}
}

const void *fdt_prop(const void *fdt, int node, const char *name, uint32_t *len)
{
	struct prop_find pf = { .name = name };

	if (node < 0)
		return NULL;
	fdt_props(fdt, node, prop_find_fn, &pf);
	if (len)
		*len = pf.len;
	return pf.val;
}

int fdt_children(const void *fdt, int node, void (*fn)(void *arg, const char *name, int child),
		 void *arg)
{
	const char *s = fdt_struct(fdt);
	int off = align4(node + 4 + strlen(s + node + 4) + 1), n = 0;

	for (;;) {
		uint32_t tok = fdt32(s + off);

		if (tok == FDT_BEGIN_NODE) {
			if (fn)
				fn(arg, s + off + 4, off);
			n++;
		} else if (tok != FDT_PROP && tok != FDT_NOP) {
			return n;
		}
		off = fdt_skip(fdt, off);
		if (off < 0)
			return n;
	}
}
