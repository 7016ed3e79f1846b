// guard.h — the one way an op is exported.  TK_OP(name) { ... } defines a function and
// registers it; addon.cc exports every registered op through a single trampoline that
// converts any C++ exception (c10::Error, argument errors, std::exception) into a JS
// TorchError naming the op.  No export can bypass the guard.
#pragma once
#include <napi.h>
#include <vector>
#include "args.h"

namespace tk {
using OpFn = Napi::Value (*)(const Napi::CallbackInfo&);
struct OpDef {
  const char* name;
  OpFn fn;
};
std::vector<OpDef>& registry();
// Per-env state: the TS TorchError class and the env's tensor handles.
struct EnvData {
  Napi::FunctionReference torchError;
  HandleTable handles;
};
// Makes `env` the current one of this thread (called on entry of every export).
void enterEnv(napi_env env);
struct Registrar {
  Registrar(const char* name, OpFn fn) { registry().push_back({name, fn}); }
};
// Throws a JS TorchError(message, op) as a pending exception.
void throwTorchError(napi_env env, const char* op, const std::string& message);
// Exports every registered op onto `exports`.
void exportOps(Napi::Env env, Napi::Object exports);
}  // namespace tk

#define TK_OP(name)                                                   \
  static Napi::Value tk_op_##name(const Napi::CallbackInfo& info);    \
  static ::tk::Registrar tk_reg_##name(#name, tk_op_##name);          \
  static Napi::Value tk_op_##name(const Napi::CallbackInfo& info)
