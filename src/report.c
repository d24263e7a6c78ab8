#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "buf.h"
#include "msg.h"
#include "report.h"
#include "utf8.h"

void
rejects_open(struct rejects *r, const char *path)
{
	int fd;

	r->stream = NULL;
	r->path = path;
	r->count = 0;
	if (path == NULL)
		return;

	/* Rejected rows hold raw data such as emails, so a new rejects
	 * file is readable by its owner only, like the state file. */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0)
		r->stream = fdopen(fd, "a");
	if (r->stream == NULL)
		fatal(EXIT_INPUT, "cannot open rejects file '%s': %s", path,
		    strerror(errno));
}

/* Append RAW as a JSON string.  Bytes that are not UTF-8 become U+FFFD,
 * so a row rejected for its encoding can still be written. */
static void
add_raw(struct buf *line, const char *raw, size_t len)
{
	struct buf clean = BUF_INIT;

	if (utf8_valid(raw, len)) {
		buf_add_json_string(line, raw, len);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		size_t n = 1;

		while (n < 4 && i + n <= len && !utf8_valid(raw + i, n))
			n++;
		if (i + n <= len && utf8_valid(raw + i, n)) {
			buf_add(&clean, raw + i, n);
			i += n - 1;
		} else {
			buf_add(&clean, "\xEF\xBF\xBD", 3);
		}
	}
	buf_add_json_string(line, clean.data, clean.len);
	buf_release(&clean);
}

void
rejects_add(struct rejects *r, const struct reject_entry *e)
{
	struct buf line = BUF_INIT;

	r->count++;
	if (r->stream == NULL)
		return;

	buf_addf(&line, "{\"program\":");
	buf_add_json_string(&line, msg_program(), strlen(msg_program()));
	if (e->file) {
		buf_adds(&line, ",\"file\":");
		buf_add_json_string(&line, e->file, strlen(e->file));
	}
	if (e->line)
		buf_addf(&line, ",\"line\":%lu", e->line);
	if (e->column)
		buf_addf(&line, ",\"column\":%u", e->column);
	if (e->status)
		buf_addf(&line, ",\"status\":%d", e->status);
	buf_adds(&line, ",\"reason\":");
	add_raw(&line, e->reason, strlen(e->reason));
	if (e->raw) {
		buf_adds(&line, ",\"raw\":");
		add_raw(&line, e->raw, e->raw_len);
	}
	buf_adds(&line, "}\n");

	fwrite(line.data, 1, line.len, r->stream);
	buf_release(&line);
}

bool
rejects_close(struct rejects *r)
{
	bool ok = true;

	if (r->stream == NULL)
		return true;
	if (ferror(r->stream) | (fclose(r->stream) != 0)) {
		error("cannot write rejects file '%s': %s", r->path,
		    strerror(errno));
		ok = false;
	}
	r->stream = NULL;
	return ok;
}

bool
stats_write(const char *path, const struct stat_counter *counters,
    size_t count)
{
	FILE *f;

	if (path == NULL)
		return true;

	f = fopen(path, "w");
	if (f == NULL) {
		error("cannot open stats file '%s': %s", path, strerror(errno));
		return false;
	}
	for (size_t i = 0; i < count; i++)
		fprintf(f, "%s=%lu\n", counters[i].name, *counters[i].value);
	if (ferror(f) | (fclose(f) != 0)) {
		error("cannot write stats file '%s': %s", path, strerror(errno));
		return false;
	}
	return true;
}
