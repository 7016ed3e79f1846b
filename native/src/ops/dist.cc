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
  bool erase(int64_t id) {
    std::lock_guard<std::mutex> g(mu);
    return items.erase(id) > 0;
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
std::chrono::milliseconds ms(double v) { return std::chrono::milliseconds(static_cast<int64_t>(v)); }
}  // namespace

// distStoreCreate(host, port, isServer, worldSize, timeoutMs) -> store id.  The server (rank 0)
// listens on host:port; clients retry connecting until the timeout; with waitWorkers the server
// returns once worldSize ranks have connected (torch's _create_c10d_store).
TK_OP(distStoreCreate) {
  std::string host = STR(info, 0);
  int64_t port = I(info, 1);
  if (port < 0 || port > 65535) throw ArgError("port must be 0..65535, got " + std::to_string(port));
  c10d::TCPStoreOptions o;
  o.port = static_cast<uint16_t>(port);
  o.isServer = B(info, 2);
  o.numWorkers = static_cast<size_t>(I(info, 3));
  o.waitWorkers = true;
  o.timeout = ms(D(info, 4));
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
TK_OP(distStoreDestroy) { return Napi::Boolean::New(info.Env(), stores.erase(I(info, 0))); }

// distGroupCreate(storeId, prefix, rank, size, timeoutMs, hostname ('' = this host), threads)
// -> group id.  Gloo exchanges its transport addresses through the store under `prefix`
// (torch names the default group's keys "0/").  Blocks until every rank has joined.
TK_OP(distGroupCreate) {
  auto base = stores.get(I(info, 0), "store");
  auto store = c10::make_intrusive<c10d::PrefixStore>(STR(info, 1), base);
  const int rank = static_cast<int>(I(info, 2)), size = static_cast<int>(I(info, 3));
  auto pg = compat::makeGlooGroup(store, rank, size, ms(D(info, 4)), STR(info, 5), static_cast<int>(I(info, 6)));
  return Napi::Number::New(info.Env(), static_cast<double>(groups.put(pg)));
}
TK_OP(distGroupDestroy) { return Napi::Boolean::New(info.Env(), groups.erase(I(info, 0))); }

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
  o.rootRank = static_cast<int64_t>(I(info, 2));
  o.rootTensor = 0;
  pg->broadcast(ts, o)->wait();
  UNDEF;
}
// distBroadcastCoalesced(group, tensors[], bufferBytes, src): broadcast through flat buffers of
// at most bufferBytes (DDP's _sync_module_states / _broadcast_coalesced).
TK_OP(distBroadcastCoalesced) {
  auto pg = groups.get(I(info, 0), "process group");
  auto ts = TL(info, 1);
  c10d::broadcast_coalesced(pg, ts, static_cast<size_t>(I(info, 2)), static_cast<int>(I(info, 3)));
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
  const int64_t cap = I(info, 3), firstCap = I(info, 4);
  const bool findUnused = B(info, 5), asView = B(info, 6);
  for (auto& p : params)
    if (!p.requires_grad()) throw ArgError("distReducerCreate: every parameter must require grad (pass only trainable ones)");
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
TK_OP(distReducerDestroy) { return Napi::Boolean::New(info.Env(), reducers.erase(I(info, 0))); }
