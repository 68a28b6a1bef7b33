#ifndef INLET_CCurl_SHIM_H
#define INLET_CCurl_SHIM_H
#include <curl/curl.h>

// Typed, non-variadic wrappers for libcurl's variadic functions (Swift cannot call C varargs).
// Prefixed `inlet_`; InletHTTPClient is their only caller. Each passes exactly the type libcurl documents for the
// option class: long, pointer, string (copied by libcurl since 7.17), curl_off_t, or a callback.

/// The signature of CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION callbacks.
typedef size_t (*inlet_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);

/// The signature of CURLOPT_READFUNCTION callbacks.
typedef size_t (*inlet_curl_read_callback)(char *buffer, size_t size, size_t count, void *userdata);
/// The signature of CURLOPT_SEEKFUNCTION callbacks (curl rewinds the body when it retries on a fresh connection).
typedef int (*inlet_curl_seek_callback)(void *userdata, curl_off_t offset, int origin);

static inline CURLcode inlet_global_init(void) { return curl_global_init(CURL_GLOBAL_ALL); }

static inline CURLcode inlet_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode inlet_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode inlet_easy_setopt_ptr(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode inlet_easy_setopt_str(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode inlet_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode inlet_easy_setopt_writefn(CURL *handle, inlet_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
static inline CURLcode inlet_easy_setopt_headerfn(CURL *handle, inlet_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}
static inline CURLcode inlet_easy_setopt_readfn(CURL *handle, inlet_curl_read_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}
static inline CURLcode inlet_easy_setopt_seekfn(CURL *handle, inlet_curl_seek_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, callback);
}
static inline CURLcode inlet_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode inlet_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLMcode inlet_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}
/// The result of a CURLMSG_DONE message (a union member Swift cannot name portably).
static inline CURLcode inlet_multi_msg_result(const CURLMsg *message) { return message->data.result; }
#endif
