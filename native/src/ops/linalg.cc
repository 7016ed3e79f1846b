// linalg.cc — products (torch's "BLAS and LAPACK Operations").
#include "common.h"

TK_OP(matmul) { RET(at::matmul(T(info, 0), T(info, 1))); }
TK_OP(mm) { RET(at::mm(T(info, 0), T(info, 1))); }
TK_OP(bmm) { RET(at::bmm(T(info, 0), T(info, 1))); }
TK_OP(dot) { RET(at::dot(T(info, 0), T(info, 1))); }
TK_OP(outer) { RET(at::outer(T(info, 0), T(info, 1))); }
// linear(x, weight (out, in), bias?) = x @ weight^T + bias
TK_OP(linear) { RET(at::linear(T(info, 0), T(info, 1), OT(info, 2))); }
// addmm(bias, a, b, beta, alpha) = beta * bias + alpha * (a @ b)
TK_OP(addmm) {
  RET(at::addmm(T(info, 0), T(info, 1), T(info, 2), isMissing(info, 3) ? at::Scalar(1) : S(info, 3),
                isMissing(info, 4) ? at::Scalar(1) : S(info, 4)));
}
TK_OP(baddbmm) {
  RET(at::baddbmm(T(info, 0), T(info, 1), T(info, 2), isMissing(info, 3) ? at::Scalar(1) : S(info, 3),
                  isMissing(info, 4) ? at::Scalar(1) : S(info, 4)));
}
TK_OP(einsum) { RET(at::einsum(STR(info, 0), TL(info, 1))); }
