#include "config.h"
#include "reader_impl.h"
enum reader_status ndjson_next(struct reader *r, struct row *row, struct reader_error *err) { return READ_EOF; }
enum reader_status json_array_next(struct reader *r, struct row *row, struct reader_error *err) { return READ_EOF; }
void json_release(struct reader *r) {}
