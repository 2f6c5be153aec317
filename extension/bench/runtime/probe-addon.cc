#include <node_api.h>
static napi_value Noop(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  return argv[0];
}
static napi_value Take(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  napi_typedarray_type type; size_t length; void* data; napi_value buffer; size_t offset;
  napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset);
  napi_value r; napi_create_double(env, (double)length + (data ? 0 : 1), &r);
  return r;
}
NAPI_MODULE_INIT() {
  napi_value f;
  napi_create_function(env, "noop", NAPI_AUTO_LENGTH, Noop, nullptr, &f);
  napi_set_named_property(env, exports, "noop", f);
  napi_create_function(env, "take", NAPI_AUTO_LENGTH, Take, nullptr, &f);
  napi_set_named_property(env, exports, "take", f);
  return exports;
}
