#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"

static const char *program = "heapsync";
static enum msg_level level = MSG_NORMAL;
static void (*before_each)(void *);
static void *before_each_arg;

void
msg_init(const char *program_name)
{
	const char *slash = strrchr(program_name, '/');

	program = slash ? slash + 1 : program_name;
}

void
msg_set_level(enum msg_level new_level)
{
	level = new_level;
}

enum msg_level
msg_get_level(void)
{
	return level;
}

const char *
msg_program(void)
{
	return program;
}

void
msg_before_each(void (*fn)(void *), void *arg)
{
	before_each = fn;
	before_each_arg = arg;
}

static void
vprint(const char *prefix, const char *fmt, va_list ap)
{
	/* One fprintf per part keeps lines whole when several processes of a
	 * pipeline share the terminal, as long as each line is short. */
	char line[4096];
	int n = vsnprintf(line, sizeof line, fmt, ap);

	if (n < 0)
		line[0] = '\0';
	if (before_each)
		before_each(before_each_arg);
	fprintf(stderr, "%s: %s%s\n", program, prefix, line);
}

void
fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint("", fmt, ap);
	va_end(ap);
	exit(status);
}

void
error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint("", fmt, ap);
	va_end(ap);
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	if (level < MSG_NORMAL)
		return;
	va_start(ap, fmt);
	vprint("warning: ", fmt, ap);
	va_end(ap);
}

void
note(const char *fmt, ...)
{
	va_list ap;

	if (level < MSG_VERBOSE)
		return;
	va_start(ap, fmt);
	vprint("", fmt, ap);
	va_end(ap);
}

void
usage_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint("", fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", program);
	exit(EXIT_USAGE);
}

/* Exit with one message about the option that getopt_long rejected.
 * Its own messages are turned off by the leading ':' in the option
 * string, because they would come on top of this one. */
void
usage_bad_option(int c, char **argv)
{
	const char *arg = argv[optind - 1];
	int len = (int)strcspn(arg, "=");
	bool is_long = strncmp(arg, "--", 2) == 0;

	if (c == ':' && !is_long)
		usage_hint("option '-%c' requires an argument", optopt);
	if (c == ':')
		usage_hint("option '%.*s' requires an argument", len, arg);
	if (!is_long && optopt > 0 && optopt < 128)
		usage_hint("invalid option '-%c'", optopt);
	/* getopt_long sets optopt only for a known option given a value. */
	if (is_long && optopt != 0 && arg[len] == '=')
		usage_hint("option '%.*s' does not take an argument", len, arg);
	usage_hint("invalid option '%.*s'", len, arg);
}

int
close_stdout(int status)
{
	int failed = ferror(stdout);

	if (fclose(stdout) != 0)
		failed = 1;
	if (!failed)
		return status;

	error("cannot write standard output: %s", strerror(errno));
	return status == EXIT_OK || status == EXIT_REJECTED ? EXIT_INPUT : status;
}

static void *
check_alloc(void *ptr)
{
	if (ptr == NULL)
		fatal(EXIT_INPUT, "out of memory");
	return ptr;
}

void *
xmalloc(size_t size)
{
	return check_alloc(malloc(size ? size : 1));
}

void *
xcalloc(size_t count, size_t size)
{
	return check_alloc(calloc(count ? count : 1, size ? size : 1));
}

void *
xrealloc(void *ptr, size_t size)
{
	return check_alloc(realloc(ptr, size ? size : 1));
}

char *
xstrdup(const char *s)
{
	return check_alloc(strdup(s));
}

char *
xstrndup(const char *s, size_t len)
{
	return check_alloc(strndup(s, len));
}
