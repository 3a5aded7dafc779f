;; WebAssembly SIMD (f64x2) kernels of the Householder tridiagonalisation in eigen.ts: the two
;; O(m²) passes of every reduction step over the lower triangle of the trailing block, which are
;; where nearly all the time of a symmetric eigendecomposition goes. Compiled by
;; src/core/linalg/wasm/build.mjs into tridiagonalKernels.ts (base64); eigen.ts falls back to
;; the identical JavaScript loops when WebAssembly SIMD is unavailable.
;;
;; All pointers are byte offsets into the imported memory; `stride` is the row length in bytes.
;; Float64 throughout; SIMD only changes the order of the additions inside a row.
(module
  (import "env" "memory" (memory 1))

  ;; p[0..m) += lower-triangle(A)·v, A = rows at a + i·stride, entries j ≤ i of row i.
  ;; Row i contributes its dot product with v to p[i] and vᵢ·row to p[0..i).
  (func (export "symvLower") (param $a i32) (param $stride i32) (param $m i32) (param $v i32) (param $p i32)
    (local $i i32) (local $row i32) (local $jb i32) (local $end i32)
    (local $vi f64) (local $vi2 v128) (local $sum2 v128) (local $x v128) (local $s f64)
    (local $pi i32) (local $sumB v128) (local $y v128) (local $end4 i32)
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $row (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $vi (f64.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $vi2 (f64x2.splat (local.get $vi)))
        (local.set $sum2 (v128.const f64x2 0 0))
        (local.set $sumB (v128.const f64x2 0 0))
        ;; pairs of columns j < i rounded down to even; four columns per iteration with two
        ;; accumulators so the additions of the dot product do not wait on each other
        (local.set $end (i32.shl (i32.and (local.get $i) (i32.const -2)) (i32.const 3)))
        (local.set $end4 (i32.shl (i32.and (local.get $i) (i32.const -4)) (i32.const 3)))
        (local.set $jb (i32.const 0))
        (block $quadsDone
          (loop $quads
            (br_if $quadsDone (i32.ge_u (local.get $jb) (local.get $end4)))
            (local.set $x (v128.load (i32.add (local.get $row) (local.get $jb))))
            (local.set $y (v128.load offset=16 (i32.add (local.get $row) (local.get $jb))))
            (local.set $sum2 (f64x2.add (local.get $sum2)
              (f64x2.mul (local.get $x) (v128.load (i32.add (local.get $v) (local.get $jb))))))
            (local.set $sumB (f64x2.add (local.get $sumB)
              (f64x2.mul (local.get $y) (v128.load offset=16 (i32.add (local.get $v) (local.get $jb))))))
            (v128.store (i32.add (local.get $p) (local.get $jb))
              (f64x2.add (v128.load (i32.add (local.get $p) (local.get $jb)))
                (f64x2.mul (local.get $x) (local.get $vi2))))
            (v128.store offset=16 (i32.add (local.get $p) (local.get $jb))
              (f64x2.add (v128.load offset=16 (i32.add (local.get $p) (local.get $jb)))
                (f64x2.mul (local.get $y) (local.get $vi2))))
            (local.set $jb (i32.add (local.get $jb) (i32.const 32)))
            (br $quads)))
        (local.set $sum2 (f64x2.add (local.get $sum2) (local.get $sumB)))
        (block $pairsDone
          (loop $pairs
            (br_if $pairsDone (i32.ge_u (local.get $jb) (local.get $end)))
            (local.set $x (v128.load (i32.add (local.get $row) (local.get $jb))))
            (local.set $sum2 (f64x2.add (local.get $sum2)
              (f64x2.mul (local.get $x) (v128.load (i32.add (local.get $v) (local.get $jb))))))
            (v128.store (i32.add (local.get $p) (local.get $jb))
              (f64x2.add (v128.load (i32.add (local.get $p) (local.get $jb)))
                (f64x2.mul (local.get $x) (local.get $vi2))))
            (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
            (br $pairs)))
        (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $sum2)) (f64x2.extract_lane 1 (local.get $sum2))))
        ;; odd i: one column j = i − 1 left below the diagonal
        (if (i32.and (local.get $i) (i32.const 1))
          (then
            (local.set $s (f64.add (local.get $s)
              (f64.mul (f64.load (i32.add (local.get $row) (local.get $jb)))
                       (f64.load (i32.add (local.get $v) (local.get $jb))))))
            (f64.store (i32.add (local.get $p) (local.get $jb))
              (f64.add (f64.load (i32.add (local.get $p) (local.get $jb)))
                (f64.mul (f64.load (i32.add (local.get $row) (local.get $jb))) (local.get $vi))))))
        ;; diagonal entry
        (local.set $pi (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 3))))
        (f64.store (local.get $pi)
          (f64.add (f64.load (local.get $pi))
            (f64.add (local.get $s)
              (f64.mul (f64.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3)))) (local.get $vi)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  ;; Lower triangle of A ← A − v·wᵀ − w·vᵀ (entries j ≤ i of row i).
  (func (export "syr2Lower") (param $a i32) (param $stride i32) (param $m i32) (param $v i32) (param $w i32)
    (local $i i32) (local $row i32) (local $jb i32) (local $end i32)
    (local $vi2 v128) (local $wi2 v128) (local $addr i32) (local $end4 i32)
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $row (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $vi2 (v128.load64_splat (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $wi2 (v128.load64_splat (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))
        ;; i + 1 entries; pairs first
        (local.set $end (i32.shl (i32.and (i32.add (local.get $i) (i32.const 1)) (i32.const -2)) (i32.const 3)))
        (local.set $jb (i32.const 0))
        ;; four entries per iteration while they last (fewer loop branches), then pairs
        (local.set $end4 (i32.shl (i32.and (i32.add (local.get $i) (i32.const 1)) (i32.const -4)) (i32.const 3)))
        (block $quadsDone
          (loop $quads
            (br_if $quadsDone (i32.ge_u (local.get $jb) (local.get $end4)))
            (local.set $addr (i32.add (local.get $row) (local.get $jb)))
            (v128.store (local.get $addr)
              (f64x2.sub
                (f64x2.sub (v128.load (local.get $addr))
                  (f64x2.mul (local.get $vi2) (v128.load (i32.add (local.get $w) (local.get $jb)))))
                (f64x2.mul (local.get $wi2) (v128.load (i32.add (local.get $v) (local.get $jb))))))
            (v128.store offset=16 (local.get $addr)
              (f64x2.sub
                (f64x2.sub (v128.load offset=16 (local.get $addr))
                  (f64x2.mul (local.get $vi2) (v128.load offset=16 (i32.add (local.get $w) (local.get $jb)))))
                (f64x2.mul (local.get $wi2) (v128.load offset=16 (i32.add (local.get $v) (local.get $jb))))))
            (local.set $jb (i32.add (local.get $jb) (i32.const 32)))
            (br $quads)))
        (block $pairsDone
          (loop $pairs
            (br_if $pairsDone (i32.ge_u (local.get $jb) (local.get $end)))
            (local.set $addr (i32.add (local.get $row) (local.get $jb)))
            (v128.store (local.get $addr)
              (f64x2.sub
                (f64x2.sub (v128.load (local.get $addr))
                  (f64x2.mul (local.get $vi2) (v128.load (i32.add (local.get $w) (local.get $jb)))))
                (f64x2.mul (local.get $wi2) (v128.load (i32.add (local.get $v) (local.get $jb))))))
            (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
            (br $pairs)))
        ;; even i: the diagonal entry is left over
        (if (i32.eqz (i32.and (local.get $i) (i32.const 1)))
          (then
            (local.set $addr (i32.add (local.get $row) (local.get $jb)))
            (f64.store (local.get $addr)
              (f64.sub
                (f64.sub (f64.load (local.get $addr))
                  (f64.mul (f64x2.extract_lane 0 (local.get $vi2)) (f64.load (i32.add (local.get $w) (local.get $jb)))))
                (f64.mul (f64x2.extract_lane 0 (local.get $wi2)) (f64.load (i32.add (local.get $v) (local.get $jb))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))
)
