// SPDX-License-Identifier: GPL-2.0
/* The shape of `mirrorvm stress --json`: valid JSON, the fields a consumer reads, escaping. */
#include <stdlib.h>
#include <string.h>

#include "../../vmm/stress/stress.h"
#include "tap.h"

/* A small validating parser: returns the position after one JSON value, or NULL. */
static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *json_value(const char *p);

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p && *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\' && !*++p)
			return NULL;
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *json_list(const char *p, char close, bool object)
{
	p = skip_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			p = json_string(skip_ws(p));
			if (!p || *(p = skip_ws(p)) != ':')
				return NULL;
			p++;
		}
		p = json_value(p);
		if (!p)
			return NULL;
		p = skip_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p)
{
	p = skip_ws(p);
	if (*p == '{')
		return json_list(p, '}', true);
	if (*p == '[')
		return json_list(p, ']', false);
	if (*p == '"')
		return json_string(p);
	if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		char *end;

		strtod(p, &end);
		return end;
	}
	return NULL;
}

static bool valid_json(const char *text)
{
	const char *end = json_value(text);

	return end && !*skip_ws(end);
}

static unsigned int count(const char *text, const char *what)
{
	unsigned int n = 0;

	for (const char *p = text; (p = strstr(p, what)); p++)
		n++;
	return n;
}

static char *render_with(const struct stress_run *run,
			 void (*print)(FILE *f, const struct stress_run *run))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	print(f, run);
	fclose(f);
	return buf;
}

static void write_json(FILE *f, const struct stress_run *run)
{
	stress_write_json(f, run);
}

static char *render(const struct stress_run *run)
{
	return render_with(run, write_json);
}

int main(void)
{
	static struct stress_run run = {
		.seed = 7, .duration_ms = 20000, .mem_size = 64 << 20, .nr_cpus = 2, .nr_results = 5
	};
	struct stress_result *a = &run.result[0], *b = &run.result[1], *c = &run.result[2];
	struct stress_result *k = &run.result[3], *m = &run.result[4];
	char *text;

	a->name = "munmap-race";
	a->ran = true;
	a->rounds = 40;
	a->mirror_on = true;
	a->events[MMIRROR_CB_INVALIDATE][MMIRROR_EV_CLEAR] = 123;
	a->events[MMIRROR_CB_RANGE_START][STRESS_EV_NONE] = 5;
	a->ring = true;
	a->ring_records = 300;
	a->ring_merged = 7;
	a->ring_folded = 11;
	b->name = "thp";
	b->ran = true;
	b->failures = 2;
	b->stale = 9;
	snprintf(b->fail_text, sizeof(b->fail_text), "mirror check: \"9\" stale\\entries\n");
	b->events[MMIRROR_CB_INVALIDATE][MMIRROR_EV_CLEAR] = 1;
	c->name = "ageing";
	c->ran = true;
	c->ageing = true;
	c->hot_pages = 100;
	c->hot_evicted[1] = 3;
	c->cold_evicted[0] = 77;
	c->ring = true;
	c->ring_records = 20;
	c->ring_merged = 900;
	c->ring_folded = 2;
	c->ring_lost = 4;
	k->name = "ksm";
	k->ran = true;
	k->ksm = true;
	k->ksm_cycles = 3;
	k->ksm_sharing = 504;
	k->ksm_merged = 1536;
	k->ksm_broken = 1024;
	m->name = "migrate";
	m->ran = true;
	m->migrate = true;
	m->move_calls = 9;
	m->moved[0] = 1000;
	m->moved[1] = 2000;
	m->move_stayed = 4;

	text = render(&run);
	ok(text != NULL, "rendered");
	if (!text)
		return tap_done();
	ok(valid_json(text), "the document is valid JSON");
	ok(strstr(text, "\"version\": 1") != NULL, "version");
	ok(strstr(text, "\"seed\": 7") != NULL, "seed");
	ok(strstr(text, "\"passed\": false, \"failures\": 2") != NULL, "overall verdict and count");
	ok(strstr(text, "{\"name\": \"munmap-race\", \"status\": \"passed\", \"rounds\": 40") !=
		   NULL,
	   "a passed scenario");
	ok(strstr(text, "{\"name\": \"thp\", \"status\": \"failed\"") != NULL, "a failed scenario");
	ok(strstr(text, "\"stale\": 9") != NULL, "stale count");
	ok(strstr(text, "\"first_failure\": \"mirror check: \\\"9\\\" stale\\\\entries\\u000a\"") !=
		   NULL,
	   "failure text escaped");
	ok(strstr(text, "\"young_on\": {\"hot_evicted\": 3, \"cold_evicted\": 0}") != NULL &&
		   strstr(text, "\"young_off\": {\"hot_evicted\": 0, \"cold_evicted\": 77}") !=
			   NULL,
	   "ageing figures, on and off");
	ok(strstr(text, "\"ksm\": {\"cycles\": 3, \"pages_sharing\": 504, \"merged\": 1536, "
			"\"unmerged\": 1024}") != NULL,
	   "ksm figures");
	ok(strstr(text, "\"migrate\": {\"calls\": 9, \"to_node0\": 1000, \"to_node1\": 2000, "
			"\"stayed\": 4}") != NULL,
	   "migrate figures");
	ok(strstr(text, "\"ring\": {\"records\": 300, \"merged\": 7, \"folded\": 11, "
			"\"lost\": 0}") != NULL &&
		   count(text, "\"ring\": {") == 2,
	   "ring figures where the mirror was on");
	ok(count(text, "\"ksm\": {") == 1 && count(text, "\"migrate\": {") == 1,
	   "ksm and migrate objects only in their own scenarios");
	ok(strstr(text, "\"coverage\": {\"invalidate\": {\"UNMAP\": 0, \"CLEAR\": 124") != NULL,
	   "coverage sums the scenarios");
	ok(strstr(text,
		  "\"range_start\": {\"UNMAP\": 0, \"CLEAR\": 0, \"PROTECTION_VMA\": 0, "
		  "\"PROTECTION_PAGE\": 0, \"SOFT_DIRTY\": 0, \"RELEASE\": 0, \"MIGRATE\": 0, "
		  "\"EXCLUSIVE\": 0, \"none\": 5}") != NULL,
	   "every event column, callbacks without a type under none");
	free(text);

	text = render_with(&run, stress_print_summary);
	ok(text && strstr(text, "\nring: 320 records, 907 ageing callbacks merged and 13 range "
				"starts and "
				"ends folded into them, 4 lost (ageing 4)\n"),
	   "the summary sums the ring and names the scenarios that lost records");
	free(text);
	text = render_with(&run, stress_print_coverage);
	ok(text && strstr(text, "callbacks not seen in this run:\n") &&
		   strstr(text, "\n  clear_young       only page_idle") &&
		   strstr(text, "\n  clear_flush_young no reason known: a coverage gap") &&
		   !strstr(text, "\n  invalidate ") && !strstr(text, "\n  range_start "),
	   "the coverage note names the callbacks not seen, a gap where no reason is known");
	ok(text && strstr(text, "this kernel has neither") &&
		   strstr(text, "\n  change_pte        this kernel has no change_pte"),
	   "on a kernel without page_idle, DAMON or change_pte, the notes say so");
	free(text);

	/* A 7.x kernel: change_pte offered no more, DAMON run by the ageing scenario. */
	snprintf(run.kernel.release, sizeof(run.kernel.release), "7.2.13+deb14-amd64");
	run.kernel.damon = true;
	run.kernel.cb_offered = ~0U & ~(1U << MMIRROR_CB_CHANGE_PTE);
	b->damon = true;
	text = render_with(&run, stress_print_coverage);
	ok(text && strstr(text, "kernel 7.2.13+deb14-amd64;") &&
		   strstr(text, "\n  clear_young       no reason known: a coverage gap") &&
		   strstr(text, "\n  change_pte        this kernel has no change_pte"),
	   "where DAMON ran, a missing clear_young is a gap; the kernel is named");
	free(text);
	run.kernel.cb_offered = ~0U;
	text = render_with(&run, stress_print_coverage);
	ok(text && strstr(text, "\n  change_pte        no reason known: a coverage gap"),
	   "a missing change_pte on a kernel that offers it is a gap");
	free(text);
	b->damon = false;
	text = render(&run);
	ok(text && valid_json(text) &&
		   strstr(text, "\"kernel\": {\"release\": \"7.2.13+deb14-amd64\", "
				"\"page_idle\": false, \"damon\": true, \"callbacks_offered\": "
				"[\"invalidate\", \"range_start\""),
	   "the JSON names the kernel and what it offers");
	free(text);

	b->failures = 0;
	text = render(&run);
	ok(text && valid_json(text) && strstr(text, "\"passed\": true, \"failures\": 0"),
	   "passes when nothing failed");
	free(text);
	ok(!valid_json("{\"a\": [1, 2,]}") && !valid_json("{\"a\" 1}"),
	   "the checker rejects bad JSON");
	return tap_done();
}
