;; Predict-and-Perturb hot loops in WebAssembly SIMD (scripts/build-kernels.mjs compiles this file into
;; kernels-wasm.ts; kernels.ts runs them). Each kernel does exactly the arithmetic of its JavaScript twin in
;; refine.ts or rng.ts: float32 inputs widened to float64, float64 multiplies and adds in the same order, one
;; rounding to float32 where the JavaScript stores into a Float32Array or calls Math.fround, and the same
;; integer steps for the random bits. So both give the same bits; the kernels run two float64 lanes at a
;; time, without the per-element conversions and bounds checks of the JIT's code. Pointers are byte offsets into the imported memory; counts and
;; indices are in elements.
(module
  (import "env" "memory" (memory 1))

  ;; out[i] = a·base[i] + b·eps[i] for i in [0, n)
  (func (export "perturb") (param $out i32) (param $base i32) (param $eps i32) (param $n i32) (param $a f64) (param $b f64)
    (local $i i32) (local $n4 i32) (local $va v128) (local $vb v128) (local $x v128) (local $e v128) (local $lo v128) (local $hi v128)
    (local.set $va (f64x2.splat (local.get $a)))
    (local.set $vb (f64x2.splat (local.get $b)))
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (block $done
      (loop $quad
        (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
        (local.set $x (v128.load (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $e (v128.load (i32.add (local.get $eps) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $lo (f64x2.add
          (f64x2.mul (local.get $va) (f64x2.promote_low_f32x4 (local.get $x)))
          (f64x2.mul (local.get $vb) (f64x2.promote_low_f32x4 (local.get $e)))))
        (local.set $hi (f64x2.add
          (f64x2.mul (local.get $va) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))))
          (f64x2.mul (local.get $vb) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $e) (local.get $e))))))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $quad)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $n)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (f32.demote_f64 (f64.add
            (f64.mul (local.get $a) (f64.promote_f32 (f32.load (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2))))))
            (f64.mul (local.get $b) (f64.promote_f32 (f32.load (i32.add (local.get $eps) (i32.shl (local.get $i) (i32.const 2)))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail))))

  ;; usum[p] = fround(usum[p] + |fround(xk[j] − s·vk[j]) − x0[j]|), j = c·P + p, for every channel c < C, p in [f, t)
  (func (export "measure") (param $usum i32) (param $xk i32) (param $vk i32) (param $x0 i32) (param $s f64)
        (param $C i32) (param $P i32) (param $f i32) (param $t i32)
    (local $c i32) (local $p i32) (local $t4 i32) (local $off i32) (local $u i32) (local $vs v128)
    (local $x v128) (local $v v128) (local $z v128) (local $acc v128) (local $lo v128) (local $hi v128)
    (local.set $vs (f64x2.splat (local.get $s)))
    (local.set $t4 (i32.sub (local.get $t) (i32.and (i32.sub (local.get $t) (local.get $f)) (i32.const 3))))
    (block $channelsDone
      (loop $channel
        (br_if $channelsDone (i32.ge_u (local.get $c) (local.get $C)))
        (local.set $p (local.get $f))
        (block $quadsDone
          (loop $quad
            (br_if $quadsDone (i32.ge_u (local.get $p) (local.get $t4)))
            ;; off: byte offset of element c·P + p; u: byte offset of usum[p]
            (local.set $off (i32.shl (i32.add (i32.mul (local.get $c) (local.get $P)) (local.get $p)) (i32.const 2)))
            (local.set $u (i32.add (local.get $usum) (i32.shl (local.get $p) (i32.const 2))))
            (local.set $x (v128.load (i32.add (local.get $xk) (local.get $off))))
            (local.set $v (v128.load (i32.add (local.get $vk) (local.get $off))))
            (local.set $z (v128.load (i32.add (local.get $x0) (local.get $off))))
            (local.set $acc (v128.load (local.get $u)))
            ;; two lanes at a time: fround(acc + |fround(x − s·v) − z|)
            (local.set $lo (f64x2.add (f64x2.promote_low_f32x4 (local.get $acc))
              (f64x2.abs (f64x2.sub
                (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.sub (f64x2.promote_low_f32x4 (local.get $x)) (f64x2.mul (local.get $vs) (f64x2.promote_low_f32x4 (local.get $v))))))
                (f64x2.promote_low_f32x4 (local.get $z))))))
            (local.set $hi (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $acc) (local.get $acc)))
              (f64x2.abs (f64x2.sub
                (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))) (f64x2.mul (local.get $vs) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))))))
                (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $z) (local.get $z)))))))
            (v128.store (local.get $u) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $quad)))
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $p) (local.get $t)))
            (local.set $off (i32.shl (i32.add (i32.mul (local.get $c) (local.get $P)) (local.get $p)) (i32.const 2)))
            (local.set $u (i32.add (local.get $usum) (i32.shl (local.get $p) (i32.const 2))))
            (f32.store (local.get $u)
              (f32.demote_f64 (f64.add
                (f64.promote_f32 (f32.load (local.get $u)))
                (f64.abs (f64.sub
                  (f64.promote_f32 (f32.demote_f64 (f64.sub
                    (f64.promote_f32 (f32.load (i32.add (local.get $xk) (local.get $off))))
                    (f64.mul (local.get $s) (f64.promote_f32 (f32.load (i32.add (local.get $vk) (local.get $off))))))))
                  (f64.promote_f32 (f32.load (i32.add (local.get $x0) (local.get $off)))))))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $tail)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $channel))))

  ;; Euler fusion on positions [f, t) of every channel: x0[j] = xk[j] − s·vk[j], next[j] = xk[j] + cv·vk[j]
  (func (export "fuseEuler") (param $x0 i32) (param $next i32) (param $xk i32) (param $vk i32) (param $s f64) (param $cv f64)
        (param $C i32) (param $P i32) (param $f i32) (param $t i32)
    (local $c i32) (local $p i32) (local $t4 i32) (local $off i32) (local $vs v128) (local $vc v128)
    (local $x v128) (local $v v128) (local $xl v128) (local $xh v128) (local $vl v128) (local $vh v128) (local $xv f64) (local $vv f64)
    (local.set $vs (f64x2.splat (local.get $s)))
    (local.set $vc (f64x2.splat (local.get $cv)))
    (local.set $t4 (i32.sub (local.get $t) (i32.and (i32.sub (local.get $t) (local.get $f)) (i32.const 3))))
    (block $channelsDone
      (loop $channel
        (br_if $channelsDone (i32.ge_u (local.get $c) (local.get $C)))
        (local.set $p (local.get $f))
        (block $quadsDone
          (loop $quad
            (br_if $quadsDone (i32.ge_u (local.get $p) (local.get $t4)))
            (local.set $off (i32.shl (i32.add (i32.mul (local.get $c) (local.get $P)) (local.get $p)) (i32.const 2)))
            (local.set $x (v128.load (i32.add (local.get $xk) (local.get $off))))
            (local.set $v (v128.load (i32.add (local.get $vk) (local.get $off))))
            (local.set $xl (f64x2.promote_low_f32x4 (local.get $x)))
            (local.set $xh (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))))
            (local.set $vl (f64x2.promote_low_f32x4 (local.get $v)))
            (local.set $vh (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))))
            (v128.store (i32.add (local.get $x0) (local.get $off)) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.sub (local.get $xl) (f64x2.mul (local.get $vs) (local.get $vl))))
              (f32x4.demote_f64x2_zero (f64x2.sub (local.get $xh) (f64x2.mul (local.get $vs) (local.get $vh))))))
            (v128.store (i32.add (local.get $next) (local.get $off)) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.add (local.get $xl) (f64x2.mul (local.get $vc) (local.get $vl))))
              (f32x4.demote_f64x2_zero (f64x2.add (local.get $xh) (f64x2.mul (local.get $vc) (local.get $vh))))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $quad)))
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $p) (local.get $t)))
            (local.set $off (i32.shl (i32.add (i32.mul (local.get $c) (local.get $P)) (local.get $p)) (i32.const 2)))
            (local.set $xv (f64.promote_f32 (f32.load (i32.add (local.get $xk) (local.get $off)))))
            (local.set $vv (f64.promote_f32 (f32.load (i32.add (local.get $vk) (local.get $off)))))
            (f32.store (i32.add (local.get $x0) (local.get $off))
              (f32.demote_f64 (f64.sub (local.get $xv) (f64.mul (local.get $s) (local.get $vv)))))
            (f32.store (i32.add (local.get $next) (local.get $off))
              (f32.demote_f64 (f64.add (local.get $xv) (f64.mul (local.get $cv) (local.get $vv)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $tail)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $channel))))
;; Euler fusion and the next Perturb in one pass on positions [f, t) of every channel:
  ;; x0[j] = xk[j] − s·vk[j], next[j] = xk[j] + cv·vk[j], then xk[j] = a·x0[j] + s·eps[j] (a = 1 − s) from the
  ;; float32 x0 just stored: fuseEuler followed by perturb, with one read of xk and vk and none of x0.
  (func (export "fuseEulerPerturb") (param $x0 i32) (param $next i32) (param $xk i32) (param $vk i32) (param $eps i32)
        (param $s f64) (param $cv f64) (param $a f64) (param $C i32) (param $P i32) (param $f i32) (param $t i32)
    (local $c i32) (local $p i32) (local $t4 i32) (local $off i32) (local $vs v128) (local $vc v128) (local $va v128)
    (local $x v128) (local $v v128) (local $e v128) (local $xl v128) (local $xh v128) (local $vl v128) (local $vh v128)
    (local $zl v128) (local $zh v128) (local $z v128) (local $xv f64) (local $vv f64) (local $zv f32)
    (local.set $vs (f64x2.splat (local.get $s)))
    (local.set $vc (f64x2.splat (local.get $cv)))
    (local.set $va (f64x2.splat (local.get $a)))
    (local.set $t4 (i32.sub (local.get $t) (i32.and (i32.sub (local.get $t) (local.get $f)) (i32.const 3))))
    (block $channelsDone
      (loop $channel
        (br_if $channelsDone (i32.ge_u (local.get $c) (local.get $C)))
        (local.set $p (local.get $f))
        (block $quadsDone
          (loop $quad
            (br_if $quadsDone (i32.ge_u (local.get $p) (local.get $t4)))
            (local.set $off (i32.shl (i32.add (i32.mul (local.get $c) (local.get $P)) (local.get $p)) (i32.const 2)))
            (local.set $x (v128.load (i32.add (local.get $xk) (local.get $off))))
            (local.set $v (v128.load (i32.add (local.get $vk) (local.get $off))))
            (local.set $e (v128.load (i32.add (local.get $eps) (local.get $off))))
            (local.set $xl (f64x2.promote_low_f32x4 (local.get $x)))
            (local.set $xh (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))))
            (local.set $vl (f64x2.promote_low_f32x4 (local.get $v)))
            (local.set $vh (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))))
            (local.set $zl (f32x4.demote_f64x2_zero (f64x2.sub (local.get $xl) (f64x2.mul (local.get $vs) (local.get $vl)))))
            (local.set $zh (f32x4.demote_f64x2_zero (f64x2.sub (local.get $xh) (f64x2.mul (local.get $vs) (local.get $vh)))))
            (local.set $z (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $zl) (local.get $zh)))
            (v128.store (i32.add (local.get $x0) (local.get $off)) (local.get $z))
            (v128.store (i32.add (local.get $next) (local.get $off)) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.add (local.get $xl) (f64x2.mul (local.get $vc) (local.get $vl))))
              (f32x4.demote_f64x2_zero (f64x2.add (local.get $xh) (f64x2.mul (local.get $vc) (local.get $vh))))))
            (v128.store (i32.add (local.get $xk) (local.get $off)) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (f64x2.add
                (f64x2.mul (local.get $va) (f64x2.promote_low_f32x4 (local.get $zl)))
                (f64x2.mul (local.get $vs) (f64x2.promote_low_f32x4 (local.get $e)))))
              (f32x4.demote_f64x2_zero (f64x2.add
                (f64x2.mul (local.get $va) (f64x2.promote_low_f32x4 (local.get $zh)))
                (f64x2.mul (local.get $vs) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $e) (local.get $e))))))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $quad)))
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $p) (local.get $t)))
            (local.set $off (i32.shl (i32.add (i32.mul (local.get $c) (local.get $P)) (local.get $p)) (i32.const 2)))
            (local.set $xv (f64.promote_f32 (f32.load (i32.add (local.get $xk) (local.get $off)))))
            (local.set $vv (f64.promote_f32 (f32.load (i32.add (local.get $vk) (local.get $off)))))
            (local.set $zv (f32.demote_f64 (f64.sub (local.get $xv) (f64.mul (local.get $s) (local.get $vv)))))
            (f32.store (i32.add (local.get $x0) (local.get $off)) (local.get $zv))
            (f32.store (i32.add (local.get $next) (local.get $off))
              (f32.demote_f64 (f64.add (local.get $xv) (f64.mul (local.get $cv) (local.get $vv)))))
            (f32.store (i32.add (local.get $xk) (local.get $off))
              (f32.demote_f64 (f64.add
                (f64.mul (local.get $a) (f64.promote_f32 (local.get $zv)))
                (f64.mul (local.get $s) (f64.promote_f32 (f32.load (i32.add (local.get $eps) (local.get $off))))))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $tail)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $channel))))

  ;; The ziggurat's branch-free bulk pass (rng.ts zigguratBulk) over draws [from, to), a chunk of CHUNK = 1024 draws
  ;; at a time: the xoshiro128** bits first (a tight scalar loop, four steps per turn; state at $st as 4 × i32) into $bits, then the
  ;; values four at a time, out[i] = a·base[i] + b·fround(mag·w[iz]), with draws outside their box listed as (i, u)
  ;; in (rejI, rejU). It stops early when fewer than CHUNK list entries are left of `cap`. Returns the index it
  ;; stopped at; stores the state back and the listed count at $st + 16. $tab: 512 entries of 16 bytes, indexed by
  ;; the draw's low 9 bits (layer and sign): the f64 layer width with the sign folded in, then the i32 box limit,
  ;; so one vector load per draw fetches both. mag < 2^23, so the signed conversions are exact.
  ;; A plain fill ($fill = 1: the caller's a is +0 and b is 1) needs no float64 for the affine part: 0·base + 1·v is
  ;; v plus a signed zero (or NaN), which float32 arithmetic gives bit for bit.
  (func (export "ziggurat") (param $st i32) (param $tab i32) (param $bits i32) (param $out i32) (param $base i32)
        (param $from i32) (param $to i32) (param $a f64) (param $b f64) (param $fill i32) (param $rejI i32) (param $rejU i32) (param $cap i32)
        (result i32)
    (local $i i32) (local $end i32) (local $q i32) (local $nr i32) (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32)
    (local $t i32) (local $u i32) (local $mag i32) (local $e i32) (local $rej i32) (local $lane i32)
    (local $vu v128) (local $vmag v128) (local $vo v128) (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128)
    (local $vk v128) (local $x v128) (local $va v128) (local $vb v128) (local $lo v128) (local $hi v128)
    (local.set $va (f64x2.splat (local.get $a)))
    (local.set $vb (f64x2.splat (local.get $b)))
    (local.set $s0 (i32.load offset=0 (local.get $st)))
    (local.set $s1 (i32.load offset=4 (local.get $st)))
    (local.set $s2 (i32.load offset=8 (local.get $st)))
    (local.set $s3 (i32.load offset=12 (local.get $st)))
    (local.set $i (local.get $from))
    (block $done
      (loop $chunk
        (br_if $done (i32.ge_u (local.get $i) (local.get $to)))
        (br_if $done (i32.gt_u (i32.add (local.get $nr) (i32.const 1024)) (local.get $cap)))
        (local.set $end (select (i32.add (local.get $i) (i32.const 1024)) (local.get $to)
          (i32.lt_u (i32.add (local.get $i) (i32.const 1024)) (local.get $to))))
        ;; bits: u = rotl(s1·5, 7)·9, then the state steps
        (local.set $q (local.get $bits))
        (local.set $u (i32.add (local.get $bits) (i32.shl (i32.sub (local.get $end) (local.get $i)) (i32.const 2))))
        (block $bitsDone
          (loop $bits4
            (br_if $bitsDone (i32.gt_u (i32.add (local.get $q) (i32.const 16)) (local.get $u)))
            (i32.store offset=0 (local.get $q) (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
            (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
            (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
            (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
            (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
            (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
            (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
            (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
            (i32.store offset=4 (local.get $q) (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
            (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
            (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
            (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
            (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
            (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
            (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
            (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
            (i32.store offset=8 (local.get $q) (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
            (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
            (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
            (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
            (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
            (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
            (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
            (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
            (i32.store offset=12 (local.get $q) (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
            (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
            (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
            (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
            (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
            (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
            (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
            (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (br $bits4)))
        (block $bitDone
          (loop $bit
            (br_if $bitDone (i32.ge_u (local.get $q) (local.get $u)))
            (i32.store (local.get $q) (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
            (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
            (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
            (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
            (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
            (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
            (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
            (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (br $bit)))
        ;; values, four draws at a time; q walks the bits
        (local.set $q (local.get $bits))
        (block $quadsDone
          (loop $quad
            (br_if $quadsDone (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $end)))
            (local.set $vu (v128.load (local.get $q)))
            ;; bits 0–8: layer and sign (the table entry); bits 9–31: magnitude
            (local.set $vmag (i32x4.shr_u (local.get $vu) (i32.const 9)))
            (local.set $vo (i32x4.add (i32x4.splat (local.get $tab))
              (i32x4.shl (v128.and (local.get $vu) (v128.const i32x4 511 511 511 511)) (i32.const 4))))
            (local.set $e0 (v128.load (i32x4.extract_lane 0 (local.get $vo))))
            (local.set $e1 (v128.load (i32x4.extract_lane 1 (local.get $vo))))
            (local.set $e2 (v128.load (i32x4.extract_lane 2 (local.get $vo))))
            (local.set $e3 (v128.load (i32x4.extract_lane 3 (local.get $vo))))
            ;; the four box limits (lane 2 of each entry), then fround(mag·w) in two float64 pairs
            (local.set $vk (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $e0) (local.get $e1))
              (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $e2) (local.get $e3))))
            (local.set $lo (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $vmag))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $e0) (local.get $e1)))))
            (local.set $hi (f32x4.demote_f64x2_zero (f64x2.mul
              (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $vmag) (local.get $vmag)))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $e2) (local.get $e3)))))
            (local.set $x (v128.load (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2)))))
            (v128.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
              (if (result v128) (local.get $fill)
                (then (f32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi))
                                 (f32x4.mul (f32x4.splat (f32.const 0)) (local.get $x))))
                (else (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                  (f32x4.demote_f64x2_zero (f64x2.add
                    (f64x2.mul (local.get $va) (f64x2.promote_low_f32x4 (local.get $x)))
                    (f64x2.mul (local.get $vb) (f64x2.promote_low_f32x4 (local.get $lo)))))
                  (f32x4.demote_f64x2_zero (f64x2.add
                    (f64x2.mul (local.get $va) (f64x2.promote_low_f32x4
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))))
                    (f64x2.mul (local.get $vb) (f64x2.promote_low_f32x4 (local.get $hi)))))))))
            ;; rare (about 6 % of quads): list the lanes outside their box (mag ≥ limit), in order
            (local.set $rej (i32.xor (i32x4.bitmask (i32x4.gt_s (local.get $vk) (local.get $vmag))) (i32.const 15)))
            (if (local.get $rej)
              (then
                (loop $list
                  (local.set $lane (i32.ctz (local.get $rej)))
                  (call $list (local.get $rejI) (local.get $rejU) (local.get $nr) (i32.add (local.get $i) (local.get $lane))
                    (i32.load (i32.add (local.get $q) (i32.shl (local.get $lane) (i32.const 2)))))
                  (local.set $nr (i32.add (local.get $nr) (i32.const 1)))
                  (local.set $rej (i32.and (local.get $rej) (i32.sub (local.get $rej) (i32.const 1))))
                  (br_if $list (local.get $rej)))))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $quad)))
        ;; the chunk's last draws, one at a time
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $u (i32.load (local.get $q)))
            (local.set $mag (i32.shr_u (local.get $u) (i32.const 9)))
            (local.set $e (i32.add (local.get $tab) (i32.shl (i32.and (local.get $u) (i32.const 511)) (i32.const 4))))
            (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
              (f32.demote_f64 (f64.add
                (f64.mul (local.get $a) (f64.promote_f32 (f32.load (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2))))))
                (f64.mul (local.get $b) (f64.promote_f32 (f32.demote_f64 (f64.mul (f64.convert_i32_s (local.get $mag))
                  (f64.load (local.get $e)))))))))
            (if (i32.ge_s (local.get $mag) (i32.load offset=8 (local.get $e)))
              (then (call $list (local.get $rejI) (local.get $rejU) (local.get $nr) (local.get $i) (local.get $u))
                    (local.set $nr (i32.add (local.get $nr) (i32.const 1)))))
            (local.set $q (i32.add (local.get $q) (i32.const 4)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $tail)))
        (br $chunk)))
    (i32.store offset=0 (local.get $st) (local.get $s0))
    (i32.store offset=4 (local.get $st) (local.get $s1))
    (i32.store offset=8 (local.get $st) (local.get $s2))
    (i32.store offset=12 (local.get $st) (local.get $s3))
    (i32.store offset=16 (local.get $st) (local.get $nr))
    (local.get $i))

  ;; Append (i, u) at entry nr of the reject lists (the rare path: a call costs nothing there).
  (func $list (param $rejI i32) (param $rejU i32) (param $nr i32) (param $i i32) (param $u i32)
    (i32.store (i32.add (local.get $rejI) (i32.shl (local.get $nr) (i32.const 2))) (local.get $i))
    (i32.store (i32.add (local.get $rejU) (i32.shl (local.get $nr) (i32.const 2))) (local.get $u))))
