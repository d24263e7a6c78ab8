#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "msg.h"
#include "report.h"
#include "tap.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char text[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

int
main(void)
{
	char dir[] = "/tmp/heapsync-report.XXXXXX";
	char rpath[64], spath[64];
	struct rejects r;
	unsigned long read = 3, rejected = 1;
	struct stat_counter counters[] = {
		{ "read", &read }, { "rejected", &rejected },
	};

	msg_init("heap-test");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(rpath, sizeof rpath, "%s/rejects", dir);
	snprintf(spath, sizeof spath, "%s/stats", dir);

	rejects_open(&r, rpath);
	rejects_add(&r, &(struct reject_entry){ .file = "u.csv", .line = 17,
	    .column = 3, .reason = "identity is empty", .raw = ",x", .raw_len = 2 });
	rejects_add(&r, &(struct reject_entry){ .status = 400,
	    .reason = "bad \"id\"", .raw = "caf\xe9", .raw_len = 4 });
	CHECK(rejects_close(&r));
	CHECK(r.count == 2);
	CHECK_STR(slurp(rpath),
	    "{\"program\":\"heap-test\",\"file\":\"u.csv\",\"line\":17,"
	    "\"column\":3,\"reason\":\"identity is empty\",\"raw\":\",x\"}\n"
	    "{\"program\":\"heap-test\",\"status\":400,"
	    "\"reason\":\"bad \\\"id\\\"\",\"raw\":\"caf\xef\xbf\xbd\"}\n");

	CHECK(stats_write(spath, counters, 2));
	CHECK_STR(slurp(spath), "read=3\nrejected=1\n");
	CHECK(stats_write(NULL, counters, 2));

	unlink(rpath);
	unlink(spath);
	rmdir(dir);
	return tap_done();
}
