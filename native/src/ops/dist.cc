// dist.cc — torch.distributed's engine (c10d) for tunekit: a TCPStore rendezvous, Gloo process
// groups, collectives on tensors, and DDP's Reducer (bucketed gradient all-reduce driven by
// autograd hooks, overlapped with backward).  Everything here is libtorch's own code; this file
// only keeps the objects alive between calls and turns arguments into c10d's types.
//
// Objects are kept in per-kind tables under integer ids (not tensor handles): a store, a group
// and a reducer each live until the matching destroy call, which TS makes explicit.
#define TK_COMPAT_DIST 1
#include <chrono>
#include <memory>
#include <mutex>
#include <unordered_map>
#include "common.h"

namespace {
template <typename T>
struct Table {
  std::mutex mu;
  std::unordered_map<int64_t, T> items;
  int64_t next = 1;
  int64_t put(T v) {
    std::lock_guard<std::mutex> g(mu);
    items.emplace(next, std::move(v));
    return next++;
  }
  T& get(int64_t id, const char* what) {
    std::lock_guard<std::mutex> g(mu);
    auto it = items.find(id);
    if (it == items.end()) throw ArgError(std::string(what) + " " + std::to_string(id) + " does not exist (destroyed?)");
    return it->second;
  }
  // Destroying an id that does not exist is an error (TS destroys each object once).
  bool erase(int64_t id, const char* what) {
    std::lock_guard<std::mutex> g(mu);
    if (items.erase(id) == 0) throw ArgError(std::string(what) + " " + std::to_string(id) + " does not exist (destroyed twice?)");
    return true;
  }
};
Table<c10::intrusive_ptr<c10d::Store>> stores;
Table<c10::intrusive_ptr<c10d::ProcessGroup>> groups;
Table<std::unique_ptr<c10d::Reducer>> reducers;

c10d::ReduceOp reduceOp(const std::string& op) {
  if (op == "sum" || op == "avg") return c10d::ReduceOp::SUM;  // Gloo has no AVG: sum, then divide
  if (op == "product") return c10d::ReduceOp::PRODUCT;
  if (op == "min") return c10d::ReduceOp::MIN;
  if (op == "max") return c10d::ReduceOp::MAX;
  throw ArgError("reduce op must be 'sum', 'avg', 'product', 'min' or 'max', got '" + op + "'");
}
// A timeout argument: whole milliseconds, 1 ms .. 7 days (a longer wait is a mistake, and an
// unbounded one would hang the caller forever on a rendezvous nobody serves).
std::chrono::milliseconds timeoutArg(const Info& info, size_t i) {
  const int64_t v = I(info, i);
  if (v < 1 || v > 7LL * 24 * 3600 * 1000) throw ArgError("argument " + std::to_string(i) + ": timeout must be 1 ms .. 7 days, got " + std::to_string(v) + " ms");
  return std::chrono::milliseconds(v);
}
int64_t rangeArg(const Info& info, size_t i, int64_t lo, int64_t hi, const char* what) {
  const int64_t v = I(info, i);
  if (v < lo || v > hi) throw ArgError("argument " + std::to_string(i) + ": " + what + " must be " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + std::to_string(v));
  return v;
}
}  // namespace

// distStoreCreate(host, port, isServer, worldSize, timeoutMs) -> store id.  The server (rank 0)
// listens on host:port; clients retry connecting until the timeout; with waitWorkers the server
// returns once worldSize ranks have connected (torch's _create_c10d_store).
TK_OP(distStoreCreate) {
  std::string host = STR(info, 0);
  const int64_t port = rangeArg(info, 1, 0, 65535, "port");
  c10d::TCPStoreOptions o;
  o.port = static_cast<uint16_t>(port);
  o.isServer = B(info, 2);
  o.numWorkers = static_cast<size_t>(rangeArg(info, 3, 1, 1 << 20, "world size"));
  o.waitWorkers = true;
  o.timeout = timeoutArg(info, 4);
  auto store = c10::make_intrusive<c10d::TCPStore>(host, o);
  return Napi::Number::New(info.Env(), static_cast<double>(stores.put(store)));
}
// distStoreSet(id, key, value string) / distStoreGet(id, key) -> string (waits up to the store's
// timeout for the key) / distStoreAdd(id, key, n) -> the new value.
TK_OP(distStoreSet) {
  std::string v = STR(info, 2);
  stores.get(I(info, 0), "store")->set(STR(info, 1), std::vector<uint8_t>(v.begin(), v.end()));
  UNDEF;
}
TK_OP(distStoreGet) {
  auto v = stores.get(I(info, 0), "store")->get(STR(info, 1));
  return Napi::String::New(info.Env(), std::string(v.begin(), v.end()));
}
TK_OP(distStoreAdd) { return Napi::Number::New(info.Env(), static_cast<double>(stores.get(I(info, 0), "store")->add(STR(info, 1), I(info, 2)))); }
TK_OP(distStoreDestroy) { return Napi::Boolean::New(info.Env(), stores.erase(I(info, 0), "store")); }

// distHasNccl() -> whether this build has the NCCL backend (CUDA libtorch 2.x with NCCL's headers).
TK_OP(distHasNccl) { return Napi::Boolean::New(info.Env(), compat::hasNccl()); }

// distGroupCreate(storeId, prefix, rank, size, timeoutMs, hostname ('' = this host), threads
// [, backend 'gloo' | 'nccl']) -> group id.  The backends exchange their addresses through the
// store under `prefix` (torch names the default group's keys "0/").  Blocks until every rank has
// joined.  'nccl' also registers Gloo for CPU tensors (torch's "cpu:gloo,cuda:nccl").
TK_OP(distGroupCreate) {
  auto base = stores.get(I(info, 0), "store");
  auto store = c10::make_intrusive<c10d::PrefixStore>(STR(info, 1), base);
  const int size = static_cast<int>(rangeArg(info, 3, 1, 1 << 20, "world size"));
  const int rank = static_cast<int>(rangeArg(info, 2, 0, size - 1, "rank"));
  const auto timeout = timeoutArg(info, 4);
  const std::string host = STR(info, 5);
  const int threads = static_cast<int>(rangeArg(info, 6, 1, 64, "Gloo threads"));
  const std::string backend = isMissing(info, 7) ? std::string("gloo") : STR(info, 7);
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
  if (backend == "gloo") {
    pg = compat::makeGlooGroup(store, rank, size, timeout, host, threads);
  } else if (backend == "nccl") {
#ifdef TUNEKIT_WITH_NCCL
    pg = compat::makeNcclGroup(store, rank, size, timeout, host, threads);
#else
    throw ArgError("argument 7: backend 'nccl' is not in this build (it needs a CUDA libtorch 2.x with NCCL's headers at build time); use 'gloo'");
#endif
  } else {
    throw ArgError("argument 7: backend must be 'gloo' or 'nccl', got '" + backend + "'");
  }
  return Napi::Number::New(info.Env(), static_cast<double>(groups.put(pg)));
}
TK_OP(distGroupDestroy) { return Napi::Boolean::New(info.Env(), groups.erase(I(info, 0), "process group")); }

// distAllReduce(group, tensors[], op): in place on every tensor, blocking until done.  'avg'
// divides the sum by the group size (Gloo has no AVG op).
TK_OP(distAllReduce) {
  auto& pg = groups.get(I(info, 0), "process group");
  auto ts = TL(info, 1);
  std::string op = STR(info, 2);
  c10d::AllreduceOptions o;
  o.reduceOp = reduceOp(op);
  pg->allreduce(ts, o)->wait();
  if (op == "avg") {
    compat::NoGradGuard ng;
    for (auto& t : ts) t.div_(pg->getSize());
  }
  UNDEF;
}
// distBroadcast(group, tensors[], src): every rank's tensors take src's values, in place.
TK_OP(distBroadcast) {
  auto& pg = groups.get(I(info, 0), "process group");
  auto ts = TL(info, 1);
  c10d::BroadcastOptions o;
  o.rootRank = rangeArg(info, 2, 0, pg->getSize() - 1, "source rank");
  o.rootTensor = 0;
  pg->broadcast(ts, o)->wait();
  UNDEF;
}
// distBroadcastCoalesced(group, tensors[], bufferBytes, src): broadcast through flat buffers of
// at most bufferBytes (DDP's _sync_module_states / _broadcast_coalesced).
TK_OP(distBroadcastCoalesced) {
  auto pg = groups.get(I(info, 0), "process group");
  auto ts = TL(info, 1);
  const auto bytes = static_cast<size_t>(rangeArg(info, 2, 1, int64_t(1) << 40, "buffer bytes"));
  c10d::broadcast_coalesced(pg, ts, bytes, static_cast<int>(rangeArg(info, 3, 0, pg->getSize() - 1, "source rank")));
  UNDEF;
}
// distAllGather(group, outputs[] (one per rank, shaped as input), input): outputs[r] <- rank r's input.
TK_OP(distAllGather) {
  auto& pg = groups.get(I(info, 0), "process group");
  std::vector<std::vector<at::Tensor>> out{TL(info, 1)};
  std::vector<at::Tensor> in{T(info, 2)};
  if (static_cast<int>(out[0].size()) != pg->getSize())
    throw ArgError("allGather: " + std::to_string(out[0].size()) + " output tensors for a group of " + std::to_string(pg->getSize()));
  pg->allgather(out, in)->wait();
  UNDEF;
}
TK_OP(distBarrier) {
  groups.get(I(info, 0), "process group")->barrier()->wait();
  UNDEF;
}

// distReducerCreate(group, params[], names[], bucketCapBytes, firstBucketCapBytes, findUnused,
// gradientAsBucketView) -> reducer id.  The initial buckets follow DDP's _ddp_init_helper: one
// bucket (sys.maxsize limit) unless unused parameters are searched; the reducer rebuilds them in
// the order gradients become ready after the first iteration (rebuild_buckets), and that rebuild
// is synchronized across ranks by the reducer itself.
TK_OP(distReducerCreate) {
  auto pg = groups.get(I(info, 0), "process group");
  auto params = TL(info, 1);
  if (!info[2].IsArray()) argFail(2, "an array of parameter names", info[2]);
  auto namesArr = info[2].As<Napi::Array>();
  std::unordered_map<size_t, std::string> names;
  for (uint32_t i = 0; i < namesArr.Length(); ++i) names[i] = Napi::Value(namesArr[i]).ToString().Utf8Value();
  const int64_t cap = rangeArg(info, 3, 1, int64_t(1) << 40, "bucket bytes"), firstCap = rangeArg(info, 4, 1, int64_t(1) << 40, "first bucket bytes");
  const bool findUnused = B(info, 5), asView = B(info, 6);
  if (params.empty()) throw ArgError("distReducerCreate: no parameters");
  if (names.size() != params.size()) throw ArgError("distReducerCreate: " + std::to_string(names.size()) + " names for " + std::to_string(params.size()) + " parameters");
  // the reducer hooks each parameter's gradient accumulator: only floating leaves that require grad have one
  for (auto& p : params)
    if (!p.requires_grad() || !p.is_leaf() || !p.is_floating_point())
      throw ArgError("distReducerCreate: every parameter must be a floating-point leaf tensor that requires grad (pass only trainable ones)");
  std::vector<size_t> limits = findUnused ? std::vector<size_t>{static_cast<size_t>(firstCap), static_cast<size_t>(cap)}
                                          : std::vector<size_t>{std::numeric_limits<size_t>::max()};
  auto [buckets, perLimits] = c10d::compute_bucket_assignment_by_size(params, limits, std::vector<bool>(params.size(), false));
  std::reverse(buckets.begin(), buckets.end());
  std::reverse(perLimits.begin(), perLimits.end());
  auto r = compat::makeReducer(params, buckets, perLimits, pg, cap, findUnused, asView, names, firstCap);
  return Napi::Number::New(info.Env(), static_cast<double>(reducers.put(std::move(r))));
}
// Called before a forward pass that will be followed by a synchronized backward (DDP's _pre_forward):
// returns whether the buckets were rebuilt now (once, at the second iteration).
TK_OP(distReducerPreForward) {
  auto& r = reducers.get(I(info, 0), "reducer");
  r->prepare_for_forward();
  return Napi::Boolean::New(info.Env(), r->rebuild_buckets());
}
// distReducerPrepareBackward(id, outputs[]): arms the autograd hooks for the next backward
// (DDP's _post_forward); outputs are searched for unused parameters when findUnused is on.
TK_OP(distReducerPrepareBackward) {
  auto& r = reducers.get(I(info, 0), "reducer");
  r->prepare_for_backward(TL(info, 1));
  UNDEF;
}
TK_OP(distReducerDestroy) { return Napi::Boolean::New(info.Env(), reducers.erase(I(info, 0), "reducer")); }
