;; The CPU engine's matrix products in WebAssembly with 128-bit SIMD: the fast
;; path of gemm.ts (which stays the readable reference). Hand-written text,
;; assembled at build time by wabt (scripts/vitePluginWat.ts), which makes two
;; variants of it:
;;   - f32x4.relaxed_madd (a fused multiply-add where the CPU has one) is kept
;;     where the runtime validates relaxed SIMD, else rewritten to f32x4.mul
;;     then f32x4.add (see wasm/kernel.ts for the detection);
;;   - the memory is imported shared (GEMM worker threads) or not.
;;
;; One product: C (M, N) += op(A) · op(B) over K, rows m0..m1 of C, all
;; row-major float32, every operand given as a byte offset in the memory.
;;   op 0 (NN): A (M, K), B (K, N)
;;   op 1 (TN): A (K, M), B (K, N)   -- Aᵀ · B, weight gradients
;;   op 2 (NT): A (M, K), B (N, K)   -- A · Bᵀ, gradients through a weight
;;   op 4 (NP): A (M, K), B already packed by `pack` (below) -- a weight's
;;              panels made once per training step and reused by the T
;;              per-timestep products h·Wh (and dgt·Whᵀ) instead of each
;;              packing the whole weight again for its B rows.
;;
;; How: K is cut into blocks of KC. For each block, B's KC rows are packed into
;; panels of 8 columns, each k's 8 values contiguous (zeros past N), so the
;; micro-kernel streams one panel with two 16-byte loads per k whatever op(B)
;; is. Rows are taken in blocks of MC; a block's KC columns of op(A) are packed
;; too, 4 rows by 4 rows, each k's 4 values contiguous (the rows of A (M, K)
;; lie K floats apart: read in place, four rows 4 KB apart at K = 1024 fought
;; over the same L1 sets and ran at a third of the speed). The micro-kernel
;; holds a 4×8 tile of C in eight v128 registers and takes one splat of A per
;; row and k. Each panel (KC·8 floats, 8 KB) stays in L1 across a block's row
;; tiles, the packed block (MC·KC floats, 64 KB) in L2 across the panels.
;;
;; Every element of C is computed the same way wherever its tile sits: for
;; each K block in order, its products are summed in ascending k from zero (a
;; tile's missing rows repeat its block's last row and its missing columns are
;; zeros, both discarded), then added to C once. So a thread's row range or a tile's
;; edge changes no rounding, and GEMM threads stay bit-identical to one.
;;
;; Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
;; L layers; the engine calls this with M, N, K among T·B, B, E, H, 4H and V.
;;
;; `pack` writes every K block of op(B)'s panels one after the other (block
;; k0 at k0·ceil(N/8)·32 bytes), exactly the bytes `gemm` would pack, so an NP
;; product is bit-identical to the NN or NT product it stands for.
;;
;; Scratch (`ws`, per thread): 128 bytes of tile, MC·KC·4 bytes of packed A,
;; then KC·ceil(N/8)·32 bytes of packed panels of B (wasm/kernel.ts sizes it
;; with the same KC and MC, checked against the exported ones).

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; K block (floats of a panel's depth) and rows per block of A.
  (global $KC i32 (i32.const 256))
  (global $MC i32 (i32.const 64))
  (export "KC" (global $KC))
  (export "MC" (global $MC))

  ;; Packs rows i0..i1 of op(A), columns k0..k0+kc, at $dst: row tile t (rows
  ;; i0+4t..) at t·kc·16 bytes, k after k, 16 bytes per k; rows past i1 repeat
  ;; row i1-1. $aT: A is stored (K, M) (op TN), else (M, K).
  (func $packA (param $aT i32) (param $a i32) (param $M i32) (param $K i32)
               (param $i0 i32) (param $i1 i32) (param $k0 i32) (param $kc i32) (param $dst i32)
    (local $i i32) (local $r i32) (local $row i32) (local $kk i32)
    (local $src i32) (local $out i32) (local $step i32)
    (local.set $step (select (i32.shl (local.get $M) (i32.const 2)) (i32.const 4) (local.get $aT)))
    (local.set $i (local.get $i0))
    (loop $tiles
      (local.set $r (i32.const 0))
      (loop $rows
        (local.set $row (i32.add (local.get $i) (local.get $r)))
        (if (i32.ge_u (local.get $row) (local.get $i1))
          (then (local.set $row (i32.sub (local.get $i1) (i32.const 1)))))
        (local.set $src (i32.add (local.get $a) (i32.shl
          (select
            (i32.add (i32.mul (local.get $k0) (local.get $M)) (local.get $row))
            (i32.add (i32.mul (local.get $row) (local.get $K)) (local.get $k0))
            (local.get $aT))
          (i32.const 2))))
        (local.set $out (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2))))
        (local.set $kk (i32.const 0))
        (loop $copy
          (f32.store (local.get $out) (f32.load (local.get $src)))
          (local.set $src (i32.add (local.get $src) (local.get $step)))
          (local.set $out (i32.add (local.get $out) (i32.const 16)))
          (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
          (br_if $copy (i32.lt_u (local.get $kk) (local.get $kc))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $rows (i32.lt_u (local.get $r) (i32.const 4))))
      (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $kc) (i32.const 4))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br_if $tiles (i32.lt_u (local.get $i) (local.get $i1)))))

  ;; Packs rows k0..k0+kc of op(B) into panels at $dst: panel p holds columns
  ;; 8p..8p+7, k after k, 32 bytes per k. $trans: B is stored (N, K) (op NT).
  (func $packB (param $trans i32) (param $b i32) (param $N i32) (param $K i32)
               (param $k0 i32) (param $kc i32) (param $dst i32)
    (local $j i32) (local $w i32) (local $jj i32) (local $kk i32)
    (local $src i32) (local $out i32) (local $step i32)
    (block $panels_done
      (loop $panels
        (br_if $panels_done (i32.ge_u (local.get $j) (local.get $N)))
        (local.set $w (i32.sub (local.get $N) (local.get $j)))
        (if (i32.and (i32.eqz (local.get $trans)) (i32.ge_u (local.get $w) (i32.const 8)))
          (then
            ;; A full panel of a (K, N) B: copy 8 contiguous floats per k.
            (local.set $src (i32.add (local.get $b)
              (i32.shl (i32.add (i32.mul (local.get $k0) (local.get $N)) (local.get $j))
                       (i32.const 2))))
            (local.set $out (local.get $dst))
            (local.set $kk (i32.const 0))
            (loop $rows
              (v128.store (local.get $out) (v128.load (local.get $src)))
              (v128.store offset=16 (local.get $out) (v128.load offset=16 (local.get $src)))
              (local.set $src (i32.add (local.get $src) (i32.shl (local.get $N) (i32.const 2))))
              (local.set $out (i32.add (local.get $out) (i32.const 32)))
              (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
              (br_if $rows (i32.lt_u (local.get $kk) (local.get $kc)))))
          (else
            ;; Column by column: a transposed B, or the last, partial panel.
            (local.set $jj (i32.const 0))
            (loop $cols
              (local.set $out (i32.add (local.get $dst) (i32.shl (local.get $jj) (i32.const 2))))
              (if (i32.lt_u (local.get $jj) (local.get $w))
                (then
                  (if (local.get $trans)
                    (then
                      ;; B (N, K): column j+jj of op(B) is row j+jj of B.
                      (local.set $src (i32.add (local.get $b)
                        (i32.shl (i32.add (i32.mul (i32.add (local.get $j) (local.get $jj))
                                                   (local.get $K))
                                          (local.get $k0))
                                 (i32.const 2))))
                      (local.set $step (i32.const 4)))
                    (else
                      (local.set $src (i32.add (local.get $b)
                        (i32.shl (i32.add (i32.mul (local.get $k0) (local.get $N))
                                          (i32.add (local.get $j) (local.get $jj)))
                                 (i32.const 2))))
                      (local.set $step (i32.shl (local.get $N) (i32.const 2)))))
                  (local.set $kk (i32.const 0))
                  (loop $copy
                    (f32.store (local.get $out) (f32.load (local.get $src)))
                    (local.set $src (i32.add (local.get $src) (local.get $step)))
                    (local.set $out (i32.add (local.get $out) (i32.const 32)))
                    (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
                    (br_if $copy (i32.lt_u (local.get $kk) (local.get $kc)))))
                (else
                  (local.set $kk (i32.const 0))
                  (loop $zero
                    (f32.store (local.get $out) (f32.const 0))
                    (local.set $out (i32.add (local.get $out) (i32.const 32)))
                    (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
                    (br_if $zero (i32.lt_u (local.get $kk) (local.get $kc))))))
              (local.set $jj (i32.add (local.get $jj) (i32.const 1)))
              (br_if $cols (i32.lt_u (local.get $jj) (i32.const 8))))))
        (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $kc) (i32.const 5))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $panels))))

  ;; All of op(B) (trans: B is (N, K), op NT; else (K, N)) as panels at $dst:
  ;; K·ceil(N/8)·32 bytes, what op 4 (NP) reads.
  (func (export "pack") (param $trans i32) (param $b i32) (param $N i32) (param $K i32)
                        (param $dst i32)
    (local $k0 i32) (local $kc i32)
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $k0) (local.get $K)))
        (local.set $kc (i32.sub (local.get $K) (local.get $k0)))
        (if (i32.gt_u (local.get $kc) (global.get $KC)) (then (local.set $kc (global.get $KC))))
        (call $packB (local.get $trans) (local.get $b) (local.get $N) (local.get $K)
                     (local.get $k0) (local.get $kc) (local.get $dst))
        (local.set $dst (i32.add (local.get $dst)
          (i32.shl (i32.mul (local.get $kc) (i32.shr_u (i32.add (local.get $N) (i32.const 7))
                                                       (i32.const 3)))
                   (i32.const 5))))
        (local.set $k0 (i32.add (local.get $k0) (local.get $kc)))
        (br $blocks))))

  ;; The 4×8 micro-kernel: tile = Σ over kc of (packed A column) ⊗ (panel row),
  ;; A advancing by 16 bytes per k, the panel by 32. Written to $tile (row r at
  ;; 32r) for $addTile to add into C.
  (func $micro (param $ap i32) (param $bp i32) (param $kc i32) (param $tile i32)
    (local $end i32) (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $end (i32.add (local.get $bp) (i32.shl (local.get $kc) (i32.const 5))))
    (loop $k
      (local.set $b0 (v128.load (local.get $bp)))
      (local.set $b1 (v128.load offset=16 (local.get $bp)))
      (local.set $x (v128.load32_splat offset=0 (local.get $ap)))
      (local.set $c00 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c00)))
      (local.set $c01 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c01)))
      (local.set $x (v128.load32_splat offset=4 (local.get $ap)))
      (local.set $c10 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c10)))
      (local.set $c11 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c11)))
      (local.set $x (v128.load32_splat offset=8 (local.get $ap)))
      (local.set $c20 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c20)))
      (local.set $c21 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c21)))
      (local.set $x (v128.load32_splat offset=12 (local.get $ap)))
      (local.set $c30 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c30)))
      (local.set $c31 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c31)))
      (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
      (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
      (br_if $k (i32.lt_u (local.get $bp) (local.get $end))))
    (v128.store offset=0 (local.get $tile) (local.get $c00))
    (v128.store offset=16 (local.get $tile) (local.get $c01))
    (v128.store offset=32 (local.get $tile) (local.get $c10))
    (v128.store offset=48 (local.get $tile) (local.get $c11))
    (v128.store offset=64 (local.get $tile) (local.get $c20))
    (v128.store offset=80 (local.get $tile) (local.get $c21))
    (v128.store offset=96 (local.get $tile) (local.get $c30))
    (v128.store offset=112 (local.get $tile) (local.get $c31)))

  ;; C (at $c, rows N floats apart) += the first $rows × $cols of the tile.
  (func $addTile (param $c i32) (param $N i32) (param $rows i32) (param $cols i32) (param $tile i32)
    (local $r i32) (local $jj i32) (local $at i32) (local $t i32)
    (loop $row
      (if (i32.eq (local.get $cols) (i32.const 8))
        (then
          (v128.store (local.get $c)
            (f32x4.add (v128.load (local.get $c)) (v128.load (local.get $tile))))
          (v128.store offset=16 (local.get $c)
            (f32x4.add (v128.load offset=16 (local.get $c)) (v128.load offset=16 (local.get $tile)))))
        (else
          (local.set $jj (i32.const 0))
          (loop $col
            (local.set $at (i32.add (local.get $c) (i32.shl (local.get $jj) (i32.const 2))))
            (local.set $t (i32.add (local.get $tile) (i32.shl (local.get $jj) (i32.const 2))))
            (f32.store (local.get $at) (f32.add (f32.load (local.get $at)) (f32.load (local.get $t))))
            (local.set $jj (i32.add (local.get $jj) (i32.const 1)))
            (br_if $col (i32.lt_u (local.get $jj) (local.get $cols))))))
      (local.set $c (i32.add (local.get $c) (i32.shl (local.get $N) (i32.const 2))))
      (local.set $tile (i32.add (local.get $tile) (i32.const 32)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $row (i32.lt_u (local.get $r) (local.get $rows)))))

  (func (export "gemm")
        (param $op i32) (param $c i32) (param $a i32) (param $b i32)
        (param $M i32) (param $N i32) (param $K i32) (param $m0 i32) (param $m1 i32)
        (param $ws i32)
    (local $packedA i32) (local $panels i32) (local $k0 i32) (local $kc i32)
    (local $i0 i32) (local $i1 i32) (local $i i32) (local $j i32) (local $ap i32)
    (local $bp i32) (local $rows i32)
    (local.set $packedA (i32.add (local.get $ws) (i32.const 128)))
    (local.set $panels (i32.add (local.get $packedA)
      (i32.shl (i32.mul (global.get $MC) (global.get $KC)) (i32.const 2))))
    (block $k_done
      (loop $kblocks
        (br_if $k_done (i32.ge_u (local.get $k0) (local.get $K)))
        (local.set $kc (i32.sub (local.get $K) (local.get $k0)))
        (if (i32.gt_u (local.get $kc) (global.get $KC)) (then (local.set $kc (global.get $KC))))
        (if (i32.eq (local.get $op) (i32.const 4))
          (then
            ;; NP: this block's panels were packed beforehand (`pack`).
            (local.set $panels (i32.add (local.get $b)
              (i32.shl (i32.mul (local.get $k0) (i32.shr_u (i32.add (local.get $N) (i32.const 7))
                                                           (i32.const 3)))
                       (i32.const 5)))))
          (else
            (call $packB (i32.eq (local.get $op) (i32.const 2)) (local.get $b) (local.get $N)
                         (local.get $K) (local.get $k0) (local.get $kc) (local.get $panels))))
        (local.set $i0 (local.get $m0))
        (block $i_done
          (loop $iblocks
            (br_if $i_done (i32.ge_u (local.get $i0) (local.get $m1)))
            (local.set $i1 (i32.add (local.get $i0) (global.get $MC)))
            (if (i32.gt_u (local.get $i1) (local.get $m1)) (then (local.set $i1 (local.get $m1))))
            (call $packA (i32.eq (local.get $op) (i32.const 1)) (local.get $a) (local.get $M)
                         (local.get $K) (local.get $i0) (local.get $i1) (local.get $k0)
                         (local.get $kc) (local.get $packedA))
            (local.set $j (i32.const 0))
            (local.set $bp (local.get $panels))
            (block $j_done
              (loop $jpanels
                (br_if $j_done (i32.ge_u (local.get $j) (local.get $N)))
                (local.set $i (local.get $i0))
                (local.set $ap (local.get $packedA))
                (loop $itiles
                  (local.set $rows (i32.sub (local.get $i1) (local.get $i)))
                  (if (i32.gt_u (local.get $rows) (i32.const 4)) (then (local.set $rows (i32.const 4))))
                  (call $micro (local.get $ap) (local.get $bp) (local.get $kc) (local.get $ws))
                  (call $addTile
                    (i32.add (local.get $c)
                      (i32.shl (i32.add (i32.mul (local.get $i) (local.get $N)) (local.get $j))
                               (i32.const 2)))
                    (local.get $N) (local.get $rows)
                    (select (i32.const 8) (i32.sub (local.get $N) (local.get $j))
                            (i32.ge_u (i32.sub (local.get $N) (local.get $j)) (i32.const 8)))
                    (local.get $ws))
                  (local.set $i (i32.add (local.get $i) (i32.const 4)))
                  (local.set $ap (i32.add (local.get $ap) (i32.shl (local.get $kc) (i32.const 4))))
                  (br_if $itiles (i32.lt_u (local.get $i) (local.get $i1))))
                (local.set $j (i32.add (local.get $j) (i32.const 8)))
                (local.set $bp (i32.add (local.get $bp) (i32.shl (local.get $kc) (i32.const 5))))
                (br $jpanels)))
            (local.set $i0 (local.get $i1))
            (br $iblocks)))
        (local.set $k0 (i32.add (local.get $k0) (local.get $kc)))
        (br $kblocks))))

  ;; ---- The LSTM cell's forward update, four units per iteration ----
  ;; Not a product, but one pass over the step's gates where gemm.ts's
  ;; reference (lstmLayer.ts) spends ~100 ns a unit on Math.exp and Math.tanh.
  ;; e^x for four lanes (Cephes' expf: x = n·ln2 + r, a degree-6 polynomial
  ;; in r, 2^n put into the exponent bits; ~1 ulp), x clamped to ±87 so 2^n
  ;; stays a normal float.
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $y v128)
    (local.set $x (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87))
                             (v128.const f32x4 87 87 87 87)))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x)
      (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
    ;; r = x − n·ln2, ln2 in two parts so that n·C1 is exact.
    (local.set $r (f32x4.sub (local.get $x)
      (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r (f32x4.sub (local.get $r)
      (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $y (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r))
      (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r))
      (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r))
      (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r))
      (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r))
      (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    ;; y·r² + r + 1
    (local.set $y (f32x4.add
      (f32x4.add (f32x4.mul (local.get $y) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r))
      (v128.const f32x4 1 1 1 1)))
    (f32x4.mul (local.get $y)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127))
                 (i32.const 23))))

  ;; σ(x) = 1 / (1 + e^−x), four lanes.
  (func $sigmoid4 (param $x v128) (result v128)
    (f32x4.div (v128.const f32x4 1 1 1 1)
      (f32x4.add (v128.const f32x4 1 1 1 1) (call $exp4 (f32x4.neg (local.get $x))))))

  ;; tanh(x) = 2·σ(2x) − 1, four lanes.
  (func $tanh4 (param $x v128) (result v128)
    (f32x4.sub
      (f32x4.mul (v128.const f32x4 2 2 2 2)
                 (call $sigmoid4 (f32x4.add (local.get $x) (local.get $x))))
      (v128.const f32x4 1 1 1 1)))

  ;; One timestep of the LSTM cell over units 0..n (n a multiple of 4), as
  ;; lstmLayer.ts writes it: gates (n, 4) interleaved per unit (i, f, g, o),
  ;; pre-activation in, activated out; c = f·cPrev + i·g, h = o·tanh(c).
  ;; A unit's four gates are one v128: σ of (i, f, 2g, o), then lane g
  ;; becomes 2σ − 1 = tanh(g). Four units' vectors are transposed into
  ;; i, f, g, o of four units for the state update.
  (func (export "lstmCells") (param $gates i32) (param $cPrev i32) (param $c i32) (param $h i32)
                             (param $n i32)
    (local $end i32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local $ct v128)
    (local.set $end (i32.add (local.get $c) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $units
        (br_if $done (i32.ge_u (local.get $c) (local.get $end)))
        (local.set $a0 (call $gate4 (v128.load offset=0 (local.get $gates))))
        (local.set $a1 (call $gate4 (v128.load offset=16 (local.get $gates))))
        (local.set $a2 (call $gate4 (v128.load offset=32 (local.get $gates))))
        (local.set $a3 (call $gate4 (v128.load offset=48 (local.get $gates))))
        (v128.store offset=0 (local.get $gates) (local.get $a0))
        (v128.store offset=16 (local.get $gates) (local.get $a1))
        (v128.store offset=32 (local.get $gates) (local.get $a2))
        (v128.store offset=48 (local.get $gates) (local.get $a3))
        ;; t0 = (i0 i1 f0 f1), t1 = (i2 i3 f2 f3), t2 = (g0 g1 o0 o1), t3 = (g2 g3 o2 o3)
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a0) (local.get $a1)))
        (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a2) (local.get $a3)))
        (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a0) (local.get $a1)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a2) (local.get $a3)))
        ;; c = f·cPrev + i·g
        (local.set $ct (f32x4.add
          (f32x4.mul
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1))
            (v128.load (local.get $cPrev)))
          (f32x4.mul
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3)))))
        (v128.store (local.get $c) (local.get $ct))
        ;; h = o·tanh(c)
        (v128.store (local.get $h) (f32x4.mul
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3))
          (call $tanh4 (local.get $ct))))
        (local.set $gates (i32.add (local.get $gates) (i32.const 64)))
        (local.set $cPrev (i32.add (local.get $cPrev) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (local.set $h (i32.add (local.get $h) (i32.const 16)))
        (br $units))))

  ;; A unit's gates (i, f, g, o) activated: σ(i), σ(f), tanh(g), σ(o).
  (func $gate4 (param $x v128) (result v128)
    (f32x4.sub
      (f32x4.mul (call $sigmoid4 (f32x4.mul (local.get $x) (v128.const f32x4 1 1 2 1)))
                 (v128.const f32x4 1 1 2 1))
      (v128.const f32x4 0 0 1 0)))
)
