/*
 * shira_test: exercises every function of libshira (include/shira.h) against
 *   - the conformance vectors (fixtures/conformance/vectors.json: each valid file reads, each invalid file fails
 *     with the listed SHIRA-Ennnn code, never a crash), with independent f32/f16/bf16 arithmetic for apply;
 *   - a PEFT fixture: a .shira converted from fixtures/peft/llama_tiny/shira is applied to the fp32 and bf16 bases
 *     (read here from safetensors) and must equal PEFT's merge_and_unload() output bit for bit; revert must give
 *     the base back bit for bit;
 *   - bad arguments: NULL pointers, forged and closed handles, short buffers (nothing written), wrong dtype/shape.
 *
 * Build and run with tests/native/run.sh (used by .ci/run), which does:
 *   gcc -std=c11 -O1 -ffp-contract=off -Wall -Wextra -Werror -I src/Shira.Native/include tests/native/shira_test.c \
 *       -L DIR -lshira -Wl,-rpath,DIR -lm -o shira_test
 *   ./shira_test fixtures/conformance fixtures/peft/llama_tiny ADAPTER_F32.shira ADAPTER_BF16.shira
 * Prints "N passed, N failed" last; exits 1 on any failure.
 */
#define _POSIX_C_SOURCE 200809L
#include "shira.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (cond) {                                                                                                    \
            passed++;                                                                                                  \
        } else {                                                                                                       \
            failed++;                                                                                                  \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                                \
            printf(__VA_ARGS__);                                                                                       \
            printf(" [last error: %s]\n", shira_last_error());                                                        \
        }                                                                                                              \
    } while (0)

/* ---- small helpers ---------------------------------------------------------------------------------------------- */

static char *read_file(const char *path, size_t *length) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        if (length) *length = (size_t)n;
    }
    return buf;
}

static char *join(const char *a, const char *b) {
    char *p = malloc(strlen(a) + strlen(b) + 2);
    sprintf(p, "%s/%s", a, b);
    return p;
}

/* Independent conversions (round to nearest even), not libshira's. */
static float bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static uint16_t f32_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); /* quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

static float f16_to_f32(uint16_t h) {
    _Float16 x;
    memcpy(&x, &h, 2);
    return (float)x;
}

static uint16_t f32_to_f16(float f) {
    _Float16 x = (_Float16)f;
    uint16_t h;
    memcpy(&h, &x, 2);
    return h;
}

static size_t dtype_size(int dtype) { return dtype == SHIRA_DTYPE_F32 ? 4 : 2; }

static float load(const void *w, int dtype, uint64_t i) {
    if (dtype == SHIRA_DTYPE_F32) return ((const float *)w)[i];
    uint16_t h = ((const uint16_t *)w)[i];
    return dtype == SHIRA_DTYPE_BF16 ? bf16_to_f32(h) : f16_to_f32(h);
}

static void store(void *w, int dtype, uint64_t i, float v) {
    if (dtype == SHIRA_DTYPE_F32)
        ((float *)w)[i] = v;
    else
        ((uint16_t *)w)[i] = dtype == SHIRA_DTYPE_BF16 ? f32_to_bf16(v) : f32_to_f16(v);
}

/* A deterministic pseudo-random weight buffer of finite values in about [-1, 1]. */
static void *make_weights(uint64_t numel, int dtype, uint32_t seed) {
    void *w = malloc(numel * dtype_size(dtype) + 1);
    uint32_t s = seed * 2654435761u + 1;
    for (uint64_t i = 0; i < numel; i++) {
        s = s * 1664525u + 1013904223u;
        store(w, dtype, i, ((float)(s >> 8) / 8388608.0f) - 1.0f);
    }
    return w;
}

/* ---- conformance vectors ---------------------------------------------------------------------------------------- */

/* Reads "file" and "expect" pairs from vectors.json in order (a minimal scan; the file is ours and regular). */
static int next_vector(const char **cursor, char *file, size_t file_size, char *expect, size_t expect_size) {
    const char *f = strstr(*cursor, "\"file\"");
    if (!f) return 0;
    const char *e = strstr(f, "\"expect\"");
    if (!e) return 0;
    const char *fq = strchr(f + 6, '"'), *fe = fq ? strchr(fq + 1, '"') : NULL;
    const char *eq = strchr(e + 8, '"'), *ee = eq ? strchr(eq + 1, '"') : NULL;
    if (!fe || !ee || (size_t)(fe - fq) >= file_size || (size_t)(ee - eq) >= expect_size) return 0;
    memcpy(file, fq + 1, (size_t)(fe - fq - 1));
    file[fe - fq - 1] = 0;
    memcpy(expect, eq + 1, (size_t)(ee - eq - 1));
    expect[ee - eq - 1] = 0;
    *cursor = ee + 1;
    return 1;
}

/* Applies every entry of a valid adapter to random weights of each dtype and checks the result against an
 * independent computation from the decoded indices and values, then reverts and checks the bytes. */
static void check_apply_entry(shira_adapter *a, uint64_t t, const shira_tensor_info *info, const char *file) {
    int dtypes[3] = {SHIRA_DTYPE_F32, SHIRA_DTYPE_F16, SHIRA_DTYPE_BF16};
    uint64_t nnz = info->nnz;
    uint64_t *idx = malloc((nnz + 1) * 8);
    float *val = malloc((nnz + 1) * 4);
    CHECK(shira_read_indices_u64(a, t, idx, nnz) == 0, "%s %s: read_indices_u64", file, info->name);
    CHECK(shira_read_values_f32(a, t, val, nnz) == 0, "%s %s: read_values_f32", file, info->name);
    for (int k = 0; k < 3; k++) {
        int dt = dtypes[k];
        /* NO_FINGERPRINT: random weights are not the recorded base; ANY_DTYPE: try every weight dtype. */
        uint32_t flags = SHIRA_APPLY_NO_FINGERPRINT | (dt == info->base_dtype ? 0u : SHIRA_APPLY_ANY_DTYPE);
        size_t es = dtype_size(dt);
        void *w = make_weights(info->numel, dt, (uint32_t)(t * 7 + (uint64_t)k));
        void *before = malloc(info->numel * es + 1);
        memcpy(before, w, info->numel * es);
        void *orig = malloc(nnz * es + 1);
        float scale = 0.75f;
        int rc = shira_apply(a, t, w, dt, info->shape, info->rank, scale, orig, nnz * es, flags);
        CHECK(rc == 0, "%s %s: apply dtype %d -> %d", file, info->name, dt, rc);
        if (rc == 0) {
            /* Expected: round(f32(W) + f32(s * v)), s = entry scale * user scale; REPLACE: round(v). */
            float s = info->scale * scale;
            int bad = 0;
            void *expect = malloc(info->numel * es + 1);
            memcpy(expect, before, info->numel * es);
            for (uint64_t i = 0; i < nnz; i++) {
                float x = info->semantics == SHIRA_SEMANTICS_REPLACE ? val[i] : load(before, dt, idx[i]) + s * val[i];
                store(expect, dt, idx[i], x);
            }
            if (memcmp(expect, w, info->numel * es) != 0) bad = 1;
            CHECK(!bad, "%s %s: apply dtype %d differs from the independent computation", file, info->name, dt);
            for (uint64_t i = 0; i < nnz; i++)
                if (memcmp((char *)orig + i * es, (char *)before + idx[i] * es, es) != 0) bad = 2;
            CHECK(bad != 2, "%s %s: originals dtype %d are not the overwritten elements", file, info->name, dt);
            CHECK(shira_revert(a, t, w, dt, info->shape, info->rank, orig, nnz * es, flags) == 0, "%s %s: revert", file,
                  info->name);
            CHECK(memcmp(before, w, info->numel * es) == 0, "%s %s: revert dtype %d is not bit-exact", file, info->name,
                  dt);
            free(expect);
        }
        free(w);
        free(before);
        free(orig);
    }
    free(idx);
    free(val);
}

/* Reads everything a handle offers; returns the first non-zero code seen (0 if all reads succeed). */
static int read_everything(shira_adapter *a, const char *file, int check_values) {
    uint64_t n = 0;
    int first = 0, rc;
    CHECK(shira_tensor_count(a, &n) == 0, "%s: tensor_count", file);
    char *json = NULL;
    CHECK(shira_tensors_json(a, &json) == 0 && json && json[0] == '[', "%s: tensors_json", file);
    shira_free(json);
    json = NULL;
    CHECK(shira_metadata_json(a, &json) == 0 && json && strstr(json, "\"format_version\""), "%s: metadata_json", file);
    shira_free(json);
    for (uint64_t t = 0; t < n; t++) {
        shira_tensor_info info;
        memset(&info, 0, sizeof info);
        CHECK(shira_tensor_info_at(a, t, &info) == 0 && info.name && info.rank >= 1 && info.nnz <= info.numel,
              "%s: tensor_info_at %llu", file, (unsigned long long)t);
        uint64_t found = 99999;
        CHECK(shira_find_tensor(a, info.name, &found) == 0 && found == t, "%s: find_tensor %s", file, info.name);
        uint64_t *i64 = malloc((info.nnz + 1) * 8);
        rc = shira_read_indices_u64(a, t, i64, info.nnz);
        if (rc && !first) first = rc;
        if (rc == 0) {
            int sorted = 1;
            for (uint64_t i = 0; i < info.nnz; i++)
                if (i64[i] >= info.numel || (i > 0 && i64[i] <= i64[i - 1])) sorted = 0;
            CHECK(sorted, "%s %s: indices increasing and in range", file, info.name);
            if (info.numel <= (1ull << 32)) {
                uint32_t *i32 = malloc((info.nnz + 1) * 4);
                CHECK(shira_read_indices_u32(a, t, i32, info.nnz) == 0, "%s %s: read_indices_u32", file, info.name);
                int same = 1;
                for (uint64_t i = 0; i < info.nnz; i++)
                    if (i32[i] != i64[i]) same = 0;
                CHECK(same, "%s %s: u32 and u64 indices agree", file, info.name);
                free(i32);
            }
        }
        free(i64);
        size_t vs = info.value_dtype == SHIRA_DTYPE_F32 ? 4 : 2;
        float *f32 = malloc((info.nnz + 1) * 4);
        unsigned char *raw = malloc(info.nnz * vs + 1);
        rc = shira_read_values_f32(a, t, f32, info.nnz);
        if (rc && !first) first = rc;
        int rc2 = shira_read_values_raw(a, t, raw, info.nnz * vs);
        if (rc2 && !first) first = rc2;
        const void *view = NULL;
        uint64_t view_len = 0;
        int rc3 = shira_values_view(a, t, &view, &view_len);
        if (rc3 && !first) first = rc3;
        if (rc == 0 && rc2 == 0 && rc3 == 0) {
            CHECK(view_len == info.nnz * vs && (info.nnz == 0 || memcmp(view, raw, view_len) == 0),
                  "%s %s: values_view equals read_values_raw", file, info.name);
            int same = 1;
            for (uint64_t i = 0; i < info.nnz; i++) {
                float x = info.value_dtype == SHIRA_DTYPE_F32 ? ((float *)raw)[i]
                          : info.value_dtype == SHIRA_DTYPE_BF16 ? bf16_to_f32(((uint16_t *)raw)[i])
                                                                 : f16_to_f32(((uint16_t *)raw)[i]);
                if (memcmp(&x, &f32[i], 4) != 0) same = 0;
            }
            CHECK(same, "%s %s: values f32 equal the widened raw values", file, info.name);
        }
        free(f32);
        free(raw);
        if (check_values && first == 0 && info.numel <= (1u << 24)) check_apply_entry(a, t, &info, file);
    }
    return first;
}

static void conformance(const char *dir) {
    char *path = join(dir, "vectors.json");
    char *json = read_file(path, NULL);
    CHECK(json != NULL, "cannot read %s", path);
    free(path);
    if (!json) return;
    const char *cursor = json;
    char file[512], expect[64];
    int vectors = 0;
    while (next_vector(&cursor, file, sizeof file, expect, sizeof expect)) {
        vectors++;
        int want = strcmp(expect, "valid") == 0 ? 0 : atoi(expect + strlen("SHIRA-E"));
        char *full = join(dir, file);
        shira_issue issue;
        char *issues = NULL;
        int rc = shira_validate(full, &issue, &issues);
        CHECK(rc == want, "%s: validate returned %d, expected %s", file, rc, expect);
        CHECK(issue.code == rc && (rc == 0) == (issue.count == 0), "%s: issue.code %d count %d", file, issue.code,
              issue.count);
        if (rc != 0) {
            CHECK(issue.name && strcmp(issue.name, shira_error_name(rc)) == 0, "%s: issue name %s", file,
                  issue.name ? issue.name : "(null)");
            CHECK(issue.message && strstr(issue.message, expect), "%s: message names %s", file, expect);
            CHECK(strstr(shira_last_error(), expect) != NULL, "%s: last error names %s", file, expect);
        }
        CHECK(issues && issues[0] == '[' && (rc == 0 ? strcmp(issues, "[]") == 0 : strstr(issues, expect) != NULL),
              "%s: issues json %s", file, issues ? issues : "(null)");
        shira_free(issues);
        shira_issue_clear(&issue);
        CHECK(issue.name == NULL && issue.message == NULL, "%s: issue_clear", file);

        shira_adapter *a = (shira_adapter *)0x1;
        rc = shira_open(full, &a);
        if (want == 0) {
            CHECK(rc == 0 && a != NULL, "%s: open -> %d", file, rc);
            if (rc == 0) CHECK(read_everything(a, file, 1) == 0, "%s: a valid file reads without error", file);
        } else {
            /* Layout/manifest errors are found by open; section-level ones on first read, the same code either way.
             * (Some classes, e.g. non-zero padding, are only found by a full validate.) */
            CHECK(rc == 0 || rc == want, "%s: open returned %d, expected 0 or %d", file, rc, want);
            CHECK((rc == 0) == (a != NULL), "%s: handle set exactly when open succeeds", file);
            if (rc == 0) {
                int seen = read_everything(a, file, 0);
                CHECK(seen == 0 || seen == want, "%s: reading returned %d, expected 0 or %d", file, seen, want);
            }
        }
        if (a) CHECK(shira_close(a) == 0, "%s: close", file);
        free(full);
    }
    CHECK(vectors >= 40, "only %d vectors found in vectors.json", vectors);
    printf("conformance: %d vectors\n", vectors);
    free(json);
}

/* ---- safetensors (just enough to read a checkpoint) ------------------------------------------------------------- */

typedef struct {
    char *bytes;
    size_t length;
    char *header;
    size_t data_start;
} st_file;

static int st_open(const char *path, st_file *st) {
    st->bytes = read_file(path, &st->length);
    if (!st->bytes || st->length < 8) return 0;
    uint64_t n;
    memcpy(&n, st->bytes, 8);
    if (n > st->length - 8) return 0;
    st->header = malloc(n + 1);
    memcpy(st->header, st->bytes + 8, n);
    st->header[n] = 0;
    st->data_start = 8 + n;
    return 1;
}

/* Finds tensor `name`: its dtype, bytes and byte length. */
static int st_tensor(const st_file *st, const char *name, char *dtype, size_t dtype_size, const void **data,
                     uint64_t *length) {
    char key[600];
    snprintf(key, sizeof key, "\"%s\"", name);
    const char *k = strstr(st->header, key);
    while (k && k[strlen(key)] != ':') k = strstr(k + 1, key);
    if (!k) return 0;
    const char *end = strchr(k, '}');
    const char *d = strstr(k, "\"dtype\"");
    const char *o = strstr(k, "\"data_offsets\"");
    if (!d || !o || d > end || o > end) return 0;
    const char *dq = strchr(d + 7, '"'), *de = dq ? strchr(dq + 1, '"') : NULL;
    if (!de || (size_t)(de - dq) >= dtype_size) return 0;
    memcpy(dtype, dq + 1, (size_t)(de - dq - 1));
    dtype[de - dq - 1] = 0;
    unsigned long long b = 0, e = 0;
    if (sscanf(strchr(o, '[') + 1, "%llu , %llu", &b, &e) != 2 || e < b || st->data_start + e > st->length) return 0;
    *data = st->bytes + st->data_start + b;
    *length = e - b;
    return 1;
}

static void st_close(st_file *st) {
    free(st->bytes);
    free(st->header);
}

/* Applies the adapter to every targeted tensor of `base` and compares with PEFT's `merged`, bit for bit. */
static void peft_merge(const char *adapter_path, const char *base_path, const char *merged_path, int dtype) {
    st_file base, merged;
    CHECK(st_open(base_path, &base) && st_open(merged_path, &merged), "cannot read %s / %s", base_path, merged_path);
    shira_adapter *a = NULL;
    CHECK(shira_open(adapter_path, &a) == 0, "open %s", adapter_path);
    if (!a || !base.bytes || !merged.bytes) return;
    uint64_t n = 0;
    shira_tensor_count(a, &n);
    CHECK(n > 0, "%s has tensors", adapter_path);
    int exact = 0;
    for (uint64_t t = 0; t < n; t++) {
        shira_tensor_info info;
        shira_tensor_info_at(a, t, &info);
        char dt_base[16], dt_merged[16];
        const void *wb, *wm;
        uint64_t lb, lm;
        if (!st_tensor(&base, info.name, dt_base, sizeof dt_base, &wb, &lb) ||
            !st_tensor(&merged, info.name, dt_merged, sizeof dt_merged, &wm, &lm)) {
            CHECK(0, "%s: tensor %s missing from the base or the merge", base_path, info.name);
            continue;
        }
        CHECK(lb == lm && lb == info.numel * dtype_size(dtype), "%s: sizes", info.name);
        void *w = malloc(lb + 1);
        memcpy(w, wb, lb);
        void *orig = malloc(info.nnz * dtype_size(dtype) + 1);
        /* The adapter was converted against this base: dtype and fingerprint (content hash) are checked. */
        int rc = shira_apply(a, t, w, dtype, info.shape, info.rank, 1.0f, orig, info.nnz * dtype_size(dtype), 0);
        CHECK(rc == 0, "%s: apply to %s -> %d", info.name, base_path, rc);
        int same = rc == 0 && memcmp(w, wm, lb) == 0;
        CHECK(same, "%s: apply(%s) != PEFT's merge %s", info.name, base_path, merged_path);
        exact += same;
        CHECK(shira_revert(a, t, w, dtype, info.shape, info.rank, orig, info.nnz * dtype_size(dtype), 0) == 0,
              "%s: revert", info.name);
        CHECK(memcmp(w, wb, lb) == 0, "%s: revert gives the base back bit for bit", info.name);
        /* An additive adapter applies to another float dtype too, rounding f32(W) + v into it as PEFT merges; its
           fingerprint records no content hash, so it binds the shape, not the dtype. */
        int other = dtype == SHIRA_DTYPE_F32 ? SHIRA_DTYPE_BF16 : SHIRA_DTYPE_F32;
        void *wo = make_weights(info.numel, other, 3);
        void *wcopy = malloc(info.numel * dtype_size(other) + 1);
        memcpy(wcopy, wo, info.numel * dtype_size(other));
        CHECK(shira_apply(a, t, wo, other, info.shape, info.rank, 1.0f, NULL, 0, 0) == 0,
              "%s: additive entry applies to another dtype", info.name);
        CHECK(info.nnz == 0 || memcmp(wcopy, wo, info.numel * dtype_size(other)) != 0, "%s: the apply wrote", info.name);
        CHECK(shira_apply(a, t, wo, other, info.shape, info.rank, 1.0f, NULL, 0,
                          SHIRA_APPLY_ANY_DTYPE | SHIRA_APPLY_NO_FINGERPRINT) == 0,
              "%s: any dtype without fingerprint", info.name);
        free(wcopy);
        free(wo);
        free(w);
        free(orig);
    }
    printf("peft: %d of %llu tensors of %s equal PEFT's merge bit for bit\n", exact, (unsigned long long)n, merged_path);
    shira_close(a);
    st_close(&base);
    st_close(&merged);
}

/* ---- bad arguments ---------------------------------------------------------------------------------------------- */

static void bad_arguments(const char *valid_file) {
    shira_adapter *a = NULL, *forged = (shira_adapter *)(uintptr_t)0xdeadbeef;
    uint64_t n = 0;
    CHECK(shira_open(NULL, &a) == SHIRA_E_USAGE && a == NULL, "open(NULL path)");
    CHECK(shira_open(valid_file, NULL) == SHIRA_E_USAGE, "open(NULL out)");
    CHECK(shira_open("/nonexistent/x.shira", &a) == SHIRA_E_IO && a == NULL, "open(missing file) -> E9001");
    CHECK(strstr(shira_last_error(), "SHIRA-E9001") != NULL, "last error names E9001: %s", shira_last_error());
    CHECK(shira_validate(NULL, NULL, NULL) == SHIRA_E_USAGE, "validate(NULL)");
    CHECK(shira_validate("/nonexistent/x.shira", NULL, NULL) == SHIRA_E_IO, "validate(missing file)");
    CHECK(shira_tensor_count(NULL, &n) == SHIRA_E_INVALID_HANDLE, "count(NULL handle)");
    CHECK(shira_tensor_count(forged, &n) == SHIRA_E_INVALID_HANDLE, "count(forged handle)");
    CHECK(shira_close(forged) == SHIRA_E_INVALID_HANDLE, "close(forged handle)");
    CHECK(shira_close(NULL) == 0, "close(NULL)");
    CHECK(strcmp(shira_error_name(3003), "SectionChecksum") == 0 && shira_error_name(12345)[0] == 0, "error_name");
    CHECK(shira_abi_version() == SHIRA_ABI_VERSION && shira_version() && shira_version()[0], "version");
    shira_free(NULL);
    shira_issue_clear(NULL);

    CHECK(shira_open(valid_file, &a) == 0, "open %s", valid_file);
    if (!a) return;
    CHECK(shira_tensor_count(a, NULL) == SHIRA_E_USAGE, "count(NULL out)");
    shira_tensor_count(a, &n);
    CHECK(n > 0, "the argument test file has tensors");
    shira_tensor_info info;
    CHECK(shira_tensor_info_at(a, n, &info) == SHIRA_E_NOT_FOUND, "info_at(out of range)");
    CHECK(shira_tensor_info_at(a, 0, NULL) == SHIRA_E_USAGE, "info_at(NULL)");
    CHECK(shira_tensor_info_at(a, 0, &info) == 0 && info.nnz > 1, "info_at(0)");
    uint64_t idx;
    CHECK(shira_find_tensor(a, "no such tensor", &idx) == SHIRA_E_NOT_FOUND, "find(missing)");
    CHECK(shira_find_tensor(a, NULL, &idx) == SHIRA_E_USAGE, "find(NULL)");
    CHECK(shira_tensors_json(a, NULL) == SHIRA_E_USAGE, "tensors_json(NULL)");

    /* Short buffers: an error, and not one byte written. */
    uint64_t nnz = info.nnz;
    unsigned char *buf = malloc(nnz * 8 + 16);
    memset(buf, 0xAB, nnz * 8 + 16);
    CHECK(shira_read_indices_u64(a, 0, (uint64_t *)buf, nnz - 1) == SHIRA_E_BUFFER_TOO_SMALL, "indices u64 short");
    CHECK(shira_read_indices_u32(a, 0, (uint32_t *)buf, nnz - 1) == SHIRA_E_BUFFER_TOO_SMALL, "indices u32 short");
    CHECK(shira_read_values_f32(a, 0, (float *)buf, nnz - 1) == SHIRA_E_BUFFER_TOO_SMALL, "values f32 short");
    CHECK(shira_read_values_raw(a, 0, buf, 1) == SHIRA_E_BUFFER_TOO_SMALL, "values raw short");
    CHECK(shira_read_indices_u64(a, 0, NULL, nnz) == SHIRA_E_USAGE, "indices NULL");
    int untouched = 1;
    for (uint64_t i = 0; i < nnz * 8 + 16; i++)
        if (buf[i] != 0xAB) untouched = 0;
    CHECK(untouched, "short or NULL buffers leave the destination untouched");
    CHECK(shira_values_view(a, 0, NULL, &n) == SHIRA_E_USAGE, "view(NULL)");
    free(buf);

    /* Apply argument checks: weights untouched on every refusal. */
    int dt = info.base_dtype ? info.base_dtype : SHIRA_DTYPE_F32;
    size_t es = dtype_size(dt);
    void *w = make_weights(info.numel, dt, 5), *copy = malloc(info.numel * es + 1);
    memcpy(copy, w, info.numel * es);
    int64_t wrong[8];
    memcpy(wrong, info.shape, sizeof wrong);
    wrong[0] += 1;
    uint32_t fl = SHIRA_APPLY_NO_FINGERPRINT;
    CHECK(shira_apply(a, 0, NULL, dt, info.shape, info.rank, 1, NULL, 0, fl) == SHIRA_E_USAGE, "apply(NULL weights)");
    CHECK(shira_apply(a, 0, w, 7, info.shape, info.rank, 1, NULL, 0, fl) == SHIRA_E_USAGE, "apply(bad dtype)");
    CHECK(shira_apply(a, 0, w, dt, NULL, info.rank, 1, NULL, 0, fl) == SHIRA_E_USAGE, "apply(NULL shape)");
    CHECK(shira_apply(a, 0, w, dt, info.shape, 99, 1, NULL, 0, fl) == SHIRA_E_USAGE, "apply(rank 99)");
    CHECK(shira_apply(a, 0, w, dt, wrong, info.rank, 1, NULL, 0, fl) == SHIRA_E_BASE_SHAPE_MISMATCH,
          "apply(wrong shape) -> E6002");
    CHECK(shira_apply(a, 0, w, dt, info.shape, info.rank, NAN, NULL, 0, fl) == SHIRA_E_USAGE, "apply(NaN scale)");
    CHECK(shira_apply(a, 0, w, dt, info.shape, info.rank, 1, NULL, 0, 0x80) == SHIRA_E_USAGE, "apply(unknown flag)");
    void *orig = malloc(nnz * es + 1);
    CHECK(shira_apply(a, 0, w, dt, info.shape, info.rank, 1, orig, nnz * es - 1, fl) == SHIRA_E_BUFFER_TOO_SMALL,
          "apply(short originals)");
    CHECK(shira_apply(a, n + 5, w, dt, info.shape, info.rank, 1, NULL, 0, fl) == SHIRA_E_NOT_FOUND, "apply(bad index)");
    CHECK(memcmp(copy, w, info.numel * es) == 0, "refused applies leave the weights untouched");
    CHECK(shira_revert(a, 0, w, dt, info.shape, info.rank, NULL, 0, fl) == SHIRA_E_USAGE, "revert(NULL originals)");
    CHECK(shira_revert(a, 0, w, dt, info.shape, info.rank, orig, 1, fl) == SHIRA_E_BUFFER_TOO_SMALL,
          "revert(short originals)");
    /* Apply without keeping originals works too. */
    CHECK(shira_apply(a, 0, w, dt, info.shape, info.rank, 1, NULL, 0, fl) == 0, "apply(no originals)");
    free(orig);
    free(w);
    free(copy);

    CHECK(shira_close(a) == 0, "close");
    CHECK(shira_close(a) == SHIRA_E_INVALID_HANDLE, "double close");
    CHECK(shira_tensor_count(a, &n) == SHIRA_E_INVALID_HANDLE, "use after close");
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s CONFORMANCE_DIR PEFT_LLAMA_DIR ADAPTER_F32.shira ADAPTER_BF16.shira\n", argv[0]);
        return 2;
    }
    printf("libshira %s (ABI %d)\n", shira_version(), shira_abi_version());
    conformance(argv[1]);

    char *p;
    bad_arguments(p = join(argv[1], "valid/raw_u32_f32.shira"));
    free(p);

    char *base = join(argv[2], "base/model.safetensors"), *base16 = join(argv[2], "base/model.bf16.safetensors");
    char *merged = join(argv[2], "shira/merged.safetensors"), *merged16 = join(argv[2], "shira/merged.bf16.safetensors");
    peft_merge(argv[3], base, merged, SHIRA_DTYPE_F32);
    peft_merge(argv[4], base16, merged16, SHIRA_DTYPE_BF16);
    free(base);
    free(base16);
    free(merged);
    free(merged16);

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
