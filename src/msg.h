/* Diagnostics and exit status shared by every heapsync program.
 *
 * Every message goes to stderr as "PROGRAM: TEXT" plus a newline that the
 * helpers add.  Callers name what failed and its object, lowercase and
 * without a final period: error("cannot open '%s': %s", path, strerror(e)).
 */
#ifndef HEAPSYNC_MSG_H
#define HEAPSYNC_MSG_H

#include <stdarg.h>

/* Exit statuses common to all programs; each man page documents them. */
enum exit_status {
	EXIT_OK = 0,         /* everything was processed */
	EXIT_REJECTED = 1,   /* some records were rejected, the rest went through */
	EXIT_USAGE = 2,      /* bad command line; nothing was done */
	EXIT_INPUT = 3,      /* unreadable input, output or state file */
	EXIT_UNDELIVERED = 4,/* heap-send could not deliver anything */
	EXIT_INTERRUPTED = 5 /* stopped by SIGINT or SIGTERM after cleaning up */
};

enum msg_level { MSG_QUIET = 0, MSG_NORMAL = 1, MSG_VERBOSE = 2 };

/* Set once from main: the name printed before each message. */
void msg_init(const char *program_name);
void msg_set_level(enum msg_level level);
enum msg_level msg_get_level(void);
const char *msg_program(void);
/* Set FN(ARG) to run before each message, so that a program can erase
 * its progress line first.  A NULL FN removes the hook. */
void msg_before_each(void (*fn)(void *), void *arg);

/* Print and exit with the given status. */
_Noreturn void fatal(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Errors are always printed, even with --quiet. */
void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Warnings are muted by --quiet. */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Notes are printed only with --verbose. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "Try 'PROGRAM --help' for more information." and exit 2. */
_Noreturn void usage_hint(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Exit 2 with one message about the option getopt_long could not take.
 * C is what getopt_long returned: '?' for an unknown option or ':' for a
 * missing argument, so the option string must start with ':' and its own
 * messages stay off. */
_Noreturn void usage_bad_option(int c, char **argv);

/* Flush and close stdout; a write error (full disk, closed pipe) is
 * reported and turns a successful status into EXIT_INPUT. */
int close_stdout(int status);

/* Allocation wrappers that exit with a message when memory runs out. */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);

#endif
