// The "limit" of `npm run bench`: the C kernels of bench/c, hand-written, behind Node-API entry points with the
// same calling convention as Perf Lab's generated addon (typed arrays used in place, int32 and double numbers,
// null for no result), so that both are called through the same generated loader and their ratio measures the
// code inside. bench/run.ts prepends the kernels' .c files and builds it with the flags of the generated code's
// march-native opt-in.
#include <node_api.h>
#include <cstddef>
#include <cstdint>

namespace limit {
struct Args {
  napi_env env;
  napi_value v[8];
  bool ok = true;
  Args(napi_env e, napi_callback_info info, size_t n) : env(e) {
    size_t argc = 8;
    ok = napi_get_cb_info(env, info, &argc, v, nullptr, nullptr) == napi_ok && argc >= n;
  }
  template <typename T>
  T* array(int i, napi_typedarray_type want, size_t* length = nullptr) {
    bool is = false;
    napi_typedarray_type t;
    size_t n = 0;
    void* data = nullptr;
    if (!ok || napi_is_typedarray(env, v[i], &is) != napi_ok || !is ||
        napi_get_typedarray_info(env, v[i], &t, &n, &data, nullptr, nullptr) != napi_ok || t != want) {
      ok = false;
      return nullptr;
    }
    if (length) *length = n;
    return static_cast<T*>(data);
  }
  double f64(int i) {
    double d = 0;
    if (ok && napi_get_value_double(env, v[i], &d) != napi_ok) ok = false;
    return d;
  }
  int32_t i32(int i) {
    int32_t d = 0;
    if (ok && napi_get_value_int32(env, v[i], &d) != napi_ok) ok = false;
    return d;
  }
  napi_value undefined() {
    napi_value r;
    napi_get_undefined(env, &r);
    return r;
  }
  napi_value null() {
    napi_value r;
    napi_get_null(env, &r);
    return r;
  }
};

static napi_value nbody_step(napi_env env, napi_callback_info info) {
  Args a(env, info, 8);
  size_t n = 0;
  double* x = a.array<double>(0, napi_float64_array, &n);
  double* y = a.array<double>(1, napi_float64_array);
  double* z = a.array<double>(2, napi_float64_array);
  double* vx = a.array<double>(3, napi_float64_array);
  double* vy = a.array<double>(4, napi_float64_array);
  double* vz = a.array<double>(5, napi_float64_array);
  double* mass = a.array<double>(6, napi_float64_array);
  double dt = a.f64(7);
  if (!a.ok) return a.undefined();
  advance(x, y, z, vx, vy, vz, mass, int(n), dt);
  return a.null();
}

static napi_value spectral_norm(napi_env env, napi_callback_info info) {
  Args a(env, info, 3);
  size_t n = 0;
  double* v = a.array<double>(0, napi_float64_array, &n);
  double* tmp = a.array<double>(1, napi_float64_array);
  double* atav = a.array<double>(2, napi_float64_array);
  if (!a.ok) return a.undefined();
  multiplyAtAv(v, tmp, atav, int(n));
  return a.null();
}

static napi_value mandelbrot_(napi_env env, napi_callback_info info) {
  Args a(env, info, 4);
  unsigned char* out = a.array<unsigned char>(0, napi_uint8_array);
  int w = a.i32(1), h = a.i32(2), maxIter = a.i32(3);
  if (!a.ok) return a.undefined();
  mandelbrot(out, w, h, maxIter);
  return a.null();
}

static napi_value blur_u8_(napi_env env, napi_callback_info info) {
  Args a(env, info, 4);
  unsigned char* src = a.array<unsigned char>(0, napi_uint8_array);
  unsigned char* dst = a.array<unsigned char>(1, napi_uint8_array);
  int w = a.i32(2), h = a.i32(3);
  if (!a.ok) return a.undefined();
  blur_u8(src, dst, w, h);
  return a.null();
}

static napi_value blur_f64_(napi_env env, napi_callback_info info) {
  Args a(env, info, 4);
  double* src = a.array<double>(0, napi_float64_array);
  double* dst = a.array<double>(1, napi_float64_array);
  int w = a.i32(2), h = a.i32(3);
  if (!a.ok) return a.undefined();
  blur_f64(src, dst, w, h);
  return a.null();
}

static napi_value hash_i32_(napi_env env, napi_callback_info info) {
  Args a(env, info, 2);
  size_t n = 0;
  int32_t* data = a.array<int32_t>(0, napi_int32_array, &n);
  double seed = a.f64(1);
  if (!a.ok) return a.undefined();
  napi_value r;
  // The benchmark's seed is an int32 value (the C kernel takes it as one).
  napi_create_uint32(env, hash_i32(data, int(n), int32_t(seed)), &r);
  return r;
}

static napi_value primes_trial_(napi_env env, napi_callback_info info) {
  Args a(env, info, 1);
  int n = a.i32(0);
  if (!a.ok) return a.undefined();
  napi_value r;
  napi_create_double(env, count_primes(n), &r);
  return r;
}

static napi_value collatz_(napi_env env, napi_callback_info info) {
  Args a(env, info, 1);
  int limit = a.i32(0);
  if (!a.ok) return a.undefined();
  napi_value r;
  napi_create_double(env, longest_chain(limit), &r);
  return r;
}
}  // namespace limit

static napi_value Init(napi_env env, napi_value exports) {
  const struct { const char* name; napi_callback cb; } fns[] = {
      {"nbody-step", limit::nbody_step}, {"spectral-norm", limit::spectral_norm}, {"mandelbrot", limit::mandelbrot_},
      {"blur-u8", limit::blur_u8_},      {"blur-f64", limit::blur_f64_},          {"hash-i32", limit::hash_i32_},
      {"primes-trial", limit::primes_trial_}, {"collatz", limit::collatz_},
  };
  for (const auto& f : fns) {
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fn);
    napi_set_named_property(env, exports, f.name, fn);
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
