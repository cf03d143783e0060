/**
 * A few WebAssembly SIMD loops that work directly on tfjs-backend-wasm's memory, for the kernels where
 * tfjs has nothing fast: the depthwise filter gradient (XNNPACK's depthwise path for a 32×32 "filter"
 * ran at ~0.8 GFLOP/s) and BatchNorm's statistics and normalisation (about twenty tfjs kernel calls
 * per forward and backward pass, ~19% of a small DARTS step, measured by removing them). JavaScript
 * loops over the heap were slower still on this machine (~3 ns per element against XNNPACK's
 * 0.5 ns), so the loops are written in WebAssembly text, assembled by wabt when the backend starts,
 * and instantiated against tfjs's own memory (shared when tfjs runs threaded). Every pointer is a byte
 * offset into that memory, and every count is in 4-float vectors: channel counts must be multiples of
 * 4 (the callers check and fall back otherwise).
 *
 * Channel-cycling loops walk a channels-last tensor vector by vector while a second pointer p cycles
 * through the C channels of per-channel vectors laid out one after another (v0 at p, v1 at p + C·4 B,
 * v2 at p + 2·C·4 B).
 */
/**
 * Adds the four floats of local `v`, widened to float64, to the four doubles at address `p`. Written
 * out at each use: the V8 of Node 20 does not inline WebAssembly calls, and a call per vector doubled
 * the loops' time.
 */
const widenAdd = (p: string, v: string) => `
      (v128.store ${p} (f64x2.add (v128.load ${p}) (f64x2.promote_low_f32x4 (local.get ${v}))))
      (v128.store offset=16 ${p} (f64x2.add (v128.load offset=16 ${p})
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get ${v}) (local.get ${v})))))`;

/**
 * Rows of a channels-last tensor, vector by vector: `body` sees $o (the vector's byte offset in the
 * tensor, up to $end), $q (its channel vector's byte offset in a row, 0 to $row) and, with `sums`, $p
 * (the address of that channel vector's float64 sums: $s + 2·$q). The channel offset restarts every
 * row, with no test per vector.
 */
const channelRows = (body: string, sums = true) => `(block $done (loop $rows
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $q (i32.const 0))
        (loop $vecs
          ${sums ? '(local.set $p (i32.add (local.get $s) (i32.shl (local.get $q) (i32.const 1))))' : ''}
          ${body}
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br_if $vecs (i32.lt_u (local.get $q) (local.get $row))))
        (br $rows)))`;

/** A loop over nvec vectors storing `value` (an expression of src and dst) at dst, both advancing 16 bytes. */
const vectorLoop = (value: string) => `(block $done (loop $l
        (br_if $done (i32.eqz (local.get $nvec)))
        (v128.store (local.get $dst) ${value})
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $nvec (i32.sub (local.get $nvec) (i32.const 1)))
        (br $l)))`;

/**
 * Sets `lo` and `hi` to a pooling window's rows (or columns) inside the input: [o·s − p, o·s − p + k)
 * clamped to [0, size).
 */
const windowBounds = (o: string, s: string, p: string, k: string, size: string, lo: string, hi: string) => `
        (local.set $t (i32.sub (i32.mul (local.get ${o}) (local.get ${s})) (local.get ${p})))
        (local.set ${lo} (select (local.get $t) (i32.const 0) (i32.gt_s (local.get $t) (i32.const 0))))
        (local.set $t (i32.add (local.get $t) (local.get ${k})))
        (local.set ${hi} (select (local.get $t) (local.get ${size}) (i32.lt_s (local.get $t) (local.get ${size}))))`;

/**
 * Four running sums a0..a3 over 64 contiguous bytes at `p` (four channel vectors): loaded, stored, and
 * a_k += x_k·d_k. A single running sum waits on its own previous addition every step (about a third
 * of the speed of four independent ones, measured here), so the loops that accumulate along a row
 * keep four apart.
 */
const loadFour = (p: string) =>
  [0, 1, 2, 3].map((k) => `(local.set $a${k} (v128.load offset=${k * 16} ${p}))`).join(' ');
const storeFour = (p: string) =>
  [0, 1, 2, 3].map((k) => `(v128.store offset=${k * 16} ${p} (local.get $a${k}))`).join(' ');
const macFour = (x: (k: number) => string, d: string) =>
  [0, 1, 2, 3]
    .map(
      (k) =>
        `(local.set $a${k} (f32x4.add (local.get $a${k}) (f32x4.mul ${x(k)} (v128.load offset=${k * 16} ${d}))))`,
    )
    .join('\n            ');

const WAT = (shared: boolean) => `(module
  (import "env" "memory" (memory 1 65536 ${shared ? 'shared' : ''}))

  ;; acc[c] += Σ_i x[i·xStep + c]·dy[i·C + c], i < count, for each of the c4 channel vectors
  ;; (one row of a depthwise filter gradient: xStep is the stride times C·4 bytes); four channel
  ;; vectors at a time, then the rest one by one.
  (func $rowMac (param $x i32) (param $dy i32) (param $acc i32) (param $count i32) (param $xStep i32) (param $c4 i32)
    (local $a v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $px i32) (local $pd i32) (local $n i32) (local $dyStep i32)
    (local.set $dyStep (i32.shl (local.get $c4) (i32.const 4)))
    (block $quadsDone (loop $quads
      (br_if $quadsDone (i32.lt_s (local.get $c4) (i32.const 4)))
      ${loadFour('(local.get $acc)')}
      (local.set $px (local.get $x))
      (local.set $pd (local.get $dy))
      (local.set $n (local.get $count))
      (block $rowDone (loop $row
        (br_if $rowDone (i32.eqz (local.get $n)))
            ${macFour((k) => `(v128.load offset=${k * 16} (local.get $px))`, '(local.get $pd)')}
        (local.set $px (i32.add (local.get $px) (local.get $xStep)))
        (local.set $pd (i32.add (local.get $pd) (local.get $dyStep)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $row)))
      ${storeFour('(local.get $acc)')}
      (local.set $acc (i32.add (local.get $acc) (i32.const 64)))
      (local.set $x (i32.add (local.get $x) (i32.const 64)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 64)))
      (local.set $c4 (i32.sub (local.get $c4) (i32.const 4)))
      (br $quads)))
    (block $done (loop $chan
      (br_if $done (i32.eqz (local.get $c4)))
      (local.set $a (v128.load (local.get $acc)))
      (local.set $px (local.get $x))
      (local.set $pd (local.get $dy))
      (local.set $n (local.get $count))
      (block $rowDone (loop $row
        (br_if $rowDone (i32.eqz (local.get $n)))
        (local.set $a (f32x4.add (local.get $a) (f32x4.mul (v128.load (local.get $px)) (v128.load (local.get $pd)))))
        (local.set $px (i32.add (local.get $px) (local.get $xStep)))
        (local.set $pd (i32.add (local.get $pd) (local.get $dyStep)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $row)))
      (v128.store (local.get $acc) (local.get $a))
      (local.set $acc (i32.add (local.get $acc) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
      (local.set $c4 (i32.sub (local.get $c4) (i32.const 1)))
      (br $chan))))

  ;; One image's depthwise filter gradient, added to acc ([kh·kw][C] floats): rowMac for every output
  ;; row oh and filter tap (i, j) whose input row oh·s + i·d − pt (dilation d) lies in the image, over the output columns
  ;; cols describes for tap column j: three i32 at cols + 12·j (first output column, how many, and the
  ;; input column of the first). One call per image instead of one per row and tap from JavaScript.
  (func (export "depthwiseFilterGradImage") (param $x i32) (param $dy i32) (param $acc i32) (param $cols i32)
      (param $H i32) (param $W i32) (param $OH i32) (param $OW i32) (param $c4 i32) (param $kh i32) (param $kw i32) (param $s i32) (param $d i32) (param $pt i32)
    (local $oh i32) (local $i i32) (local $j i32) (local $ih i32) (local $pix i32) (local $col i32) (local $count i32)
    (local.set $pix (i32.shl (local.get $c4) (i32.const 4)))
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.ge_s (local.get $oh) (local.get $OH)))
      (local.set $i (i32.const 0))
      (block $tapRowsDone (loop $tapRows
        (br_if $tapRowsDone (i32.ge_s (local.get $i) (local.get $kh)))
        (local.set $ih (i32.sub (i32.add (i32.mul (local.get $oh) (local.get $s)) (i32.mul (local.get $i) (local.get $d))) (local.get $pt)))
        (if (i32.and (i32.ge_s (local.get $ih) (i32.const 0)) (i32.lt_s (local.get $ih) (local.get $H)))
          (then
            (local.set $j (i32.const 0))
            (block $tapColsDone (loop $tapCols
              (br_if $tapColsDone (i32.ge_s (local.get $j) (local.get $kw)))
              (local.set $col (i32.add (local.get $cols) (i32.mul (local.get $j) (i32.const 12))))
              (local.set $count (i32.load offset=4 (local.get $col)))
              (if (i32.gt_s (local.get $count) (i32.const 0))
                (then (call $rowMac
                  (i32.add (local.get $x) (i32.mul (i32.add (i32.mul (local.get $ih) (local.get $W)) (i32.load offset=8 (local.get $col))) (local.get $pix)))
                  (i32.add (local.get $dy) (i32.mul (i32.add (i32.mul (local.get $oh) (local.get $OW)) (i32.load (local.get $col))) (local.get $pix)))
                  (i32.add (local.get $acc) (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $j)) (local.get $pix)))
                  (local.get $count)
                  (i32.mul (local.get $s) (local.get $pix))
                  (local.get $c4))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $tapCols)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tapRows)))
      (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
      (br $rows))))

  ;; dst += src widened to float64, over nvec 4-float vectors (dst: 4·nvec doubles).
  (func (export "widenAccumulate") (param $src i32) (param $dst i32) (param $nvec i32)
    (local $a v128)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $nvec)))
      (local.set $a (v128.load (local.get $src)))
      ${widenAdd('(local.get $dst)', '$a')}
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
      (local.set $nvec (i32.sub (local.get $nvec) (i32.const 1)))
      (br $l))))

  ;; count pixels of c4 vectors each from src to dst, srcStep and dstStep bytes apart (space-to-batch runs).
  (func (export "copyPixels") (param $src i32) (param $dst i32) (param $count i32) (param $srcStep i32) (param $dstStep i32) (param $c4 i32)
    (local $k i32) (local $s i32) (local $d i32)
    (block $done (loop $pixel
      (br_if $done (i32.eqz (local.get $count)))
      (local.set $s (local.get $src))
      (local.set $d (local.get $dst))
      (local.set $k (local.get $c4))
      (loop $vec
        (v128.store (local.get $d) (v128.load (local.get $s)))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br_if $vec (i32.gt_s (local.get $k) (i32.const 0))))
      (local.set $src (i32.add (local.get $src) (local.get $srcStep)))
      (local.set $dst (i32.add (local.get $dst) (local.get $dstStep)))
      (local.set $count (i32.sub (local.get $count) (i32.const 1)))
      (br $pixel))))

  ;; acc[ci, co] += Σ_p x[p, ci]·dy[p, co] over \`pixels\` pixels (a 1×1 convolution's filter gradient,
  ;; Cout = c4·4), in blocks of 64 pixels so that each block's rows stay in L1 while the accumulators of
  ;; (ci, four output vectors) run over it in registers (then the rest of the outputs one vector at a time).
  (func (export "pointwiseFilterGrad") (param $x i32) (param $dy i32) (param $acc i32) (param $pixels i32) (param $cin i32) (param $c4 i32)
    (local $n i32) (local $ci i32) (local $j i32) (local $k i32) (local $a v128) (local $px i32) (local $pd i32) (local $pa i32) (local $xs i32) (local $ds i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $v v128)
    (local.set $xs (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $ds (i32.shl (local.get $c4) (i32.const 4)))
    (block $done (loop $blocks
      (br_if $done (i32.le_s (local.get $pixels) (i32.const 0)))
      (local.set $n (select (i32.const 64) (local.get $pixels) (i32.gt_s (local.get $pixels) (i32.const 64))))
      (local.set $pa (local.get $acc))
      (local.set $ci (i32.const 0))
      (loop $inputs
        (local.set $j (i32.const 0))
        (loop $outputs
          (local.set $px (i32.add (local.get $x) (i32.shl (local.get $ci) (i32.const 2))))
          (local.set $pd (i32.add (local.get $dy) (i32.shl (local.get $j) (i32.const 4))))
          (local.set $k (local.get $n))
          (if (i32.le_s (i32.add (local.get $j) (i32.const 4)) (local.get $c4))
            (then
              ${loadFour('(local.get $pa)')}
              (loop $pixel4
                (local.set $v (v128.load32_splat (local.get $px)))
            ${macFour(() => '(local.get $v)', '(local.get $pd)')}
                (local.set $px (i32.add (local.get $px) (local.get $xs)))
                (local.set $pd (i32.add (local.get $pd) (local.get $ds)))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (br_if $pixel4 (i32.gt_s (local.get $k) (i32.const 0))))
              ${storeFour('(local.get $pa)')}
              (local.set $pa (i32.add (local.get $pa) (i32.const 64)))
              (local.set $j (i32.add (local.get $j) (i32.const 4))))
            (else
              (local.set $a (v128.load (local.get $pa)))
              (loop $pixel
                (local.set $a (f32x4.add (local.get $a) (f32x4.mul (v128.load32_splat (local.get $px)) (v128.load (local.get $pd)))))
                (local.set $px (i32.add (local.get $px) (local.get $xs)))
                (local.set $pd (i32.add (local.get $pd) (local.get $ds)))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (br_if $pixel (i32.gt_s (local.get $k) (i32.const 0))))
              (v128.store (local.get $pa) (local.get $a))
              (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))))
          (br_if $outputs (i32.lt_s (local.get $j) (local.get $c4))))
        (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
        (br_if $inputs (i32.lt_s (local.get $ci) (local.get $cin))))
      (local.set $x (i32.add (local.get $x) (i32.mul (local.get $n) (local.get $xs))))
      (local.set $dy (i32.add (local.get $dy) (i32.mul (local.get $n) (local.get $ds))))
      (local.set $pixels (i32.sub (local.get $pixels) (local.get $n)))
      (br $blocks))))

  ;; Max pooling's gradient (NHWC, Cout = c4·4): each window's dy goes to the first input in row-major
  ;; order equal to the pooled output y (the rule of maxPoolGradFromOutput, cpu-kernels/max-pool-grad.ts),
  ;; four channels at a time: a lane mask remembers which lanes have found theirs. dx must be zeroed.
  (func (export "maxPoolGrad")
    (param $x i32) (param $y i32) (param $dy i32) (param $dx i32)
    (param $N i32) (param $H i32) (param $W i32) (param $OH i32) (param $OW i32) (param $c4 i32)
    (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $pt i32) (param $pl i32)
    (local $n i32) (local $oh i32) (local $ow i32) (local $v i32) (local $ih i32) (local $iw i32)
    (local $h0 i32) (local $h1 i32) (local $w0 i32) (local $w1 i32) (local $t i32)
    (local $img i32) (local $o i32) (local $idx i32) (local $rowBytes i32) (local $pix i32)
    (local $m v128) (local $g v128) (local $found v128) (local $hit v128)
    (local.set $pix (i32.shl (local.get $c4) (i32.const 4)))
    (local.set $rowBytes (i32.mul (local.get $W) (local.get $pix)))
    (loop $images
      (local.set $img (i32.mul (i32.mul (local.get $n) (local.get $H)) (local.get $rowBytes)))
      (local.set $oh (i32.const 0))
      (loop $rows
${windowBounds('$oh', '$sh', '$pt', '$kh', '$H', '$h0', '$h1')}
        (local.set $ow (i32.const 0))
        (loop $cols
${windowBounds('$ow', '$sw', '$pl', '$kw', '$W', '$w0', '$w1')}
          (local.set $v (i32.const 0))
          (loop $vecs
            (local.set $m (v128.load (i32.add (local.get $y) (local.get $o))))
            (local.set $g (v128.load (i32.add (local.get $dy) (local.get $o))))
            (local.set $found (v128.const i32x4 0 0 0 0))
            (local.set $ih (local.get $h0))
            (block $hDone (loop $windowRows
              (br_if $hDone (i32.ge_s (local.get $ih) (local.get $h1)))
              (local.set $iw (local.get $w0))
              (local.set $idx (i32.add (i32.add (local.get $img) (i32.mul (local.get $ih) (local.get $rowBytes)))
                                       (i32.add (i32.mul (local.get $w0) (local.get $pix)) (i32.shl (local.get $v) (i32.const 4)))))
              (block $wDone (loop $windowCols
                (br_if $wDone (i32.ge_s (local.get $iw) (local.get $w1)))
                (local.set $hit (v128.andnot (f32x4.eq (v128.load (i32.add (local.get $x) (local.get $idx))) (local.get $m)) (local.get $found)))
                (v128.store (i32.add (local.get $dx) (local.get $idx))
                  (f32x4.add (v128.load (i32.add (local.get $dx) (local.get $idx))) (v128.and (local.get $hit) (local.get $g))))
                (local.set $found (v128.or (local.get $found) (local.get $hit)))
                (local.set $idx (i32.add (local.get $idx) (local.get $pix)))
                (local.set $iw (i32.add (local.get $iw) (i32.const 1)))
                (br $windowCols)))
              (local.set $ih (i32.add (local.get $ih) (i32.const 1)))
              (br $windowRows)))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $v (i32.add (local.get $v) (i32.const 1)))
            (br_if $vecs (i32.lt_s (local.get $v) (local.get $c4))))
          (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
          (br_if $cols (i32.lt_s (local.get $ow) (local.get $OW))))
        (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
        (br_if $rows (i32.lt_s (local.get $oh) (local.get $OH))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $images (i32.lt_s (local.get $n) (local.get $N)))))

  ;; dx = dy·step(x) over nvec vectors (ReLU's gradient): dy where x > 0, 0 where x ≤ 0, NaN where x is NaN.
  (func (export "reluGrad") (param $dy i32) (param $x i32) (param $dx i32) (param $nvec i32)
    (local $v v128) (local $s v128)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $nvec)))
      (local.set $v (v128.load (local.get $x)))
      (local.set $s (v128.and (v128.const f32x4 1 1 1 1) (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0))))
      (local.set $s (v128.bitselect (local.get $v) (local.get $s) (f32x4.ne (local.get $v) (local.get $v))))
      (v128.store (local.get $dx) (f32x4.mul (v128.load (local.get $dy)) (local.get $s)))
      (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $dx (i32.add (local.get $dx) (i32.const 16)))
      (local.set $nvec (i32.sub (local.get $nvec) (i32.const 1)))
      (br $l))))

  ;; bytes zero bytes at p. TypedArray.fill on a SharedArrayBuffer (the threaded build's memory) goes
  ;; element by element, ~6× slower than memory.fill (0.42 against 0.07 ms for 2 MB here).
  (func (export "zero") (param $p i32) (param $bytes i32)
    (memory.fill (local.get $p) (i32.const 0) (local.get $bytes)))

  ;; dst = w·src (first ≠ 0) or dst += w·src, over nvec vectors: one term of a weighted sum.
  (func (export "scaleAdd") (param $src i32) (param $w f32) (param $dst i32) (param $nvec i32) (param $first i32)
    (local $ws v128)
    (local.set $ws (f32x4.splat (local.get $w)))
    (if (local.get $first)
      (then ${vectorLoop('(f32x4.mul (local.get $ws) (v128.load (local.get $src)))')})
      (else ${vectorLoop('(f32x4.add (v128.load (local.get $dst)) (f32x4.mul (local.get $ws) (v128.load (local.get $src))))')})))

  ;; dst = w·dy and Σ dy·o (products in float32, summed in float64) over nvec vectors, in one pass over dy
  ;; (one term of the weighted sum's gradient); two vectors a step into four running sums.
  (func (export "scaleDot") (param $dy i32) (param $w f32) (param $dst i32) (param $o i32) (param $nvec i32) (result f64)
    (local $ws v128) (local $g0 v128) (local $g1 v128) (local $p0 v128) (local $p1 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $ws (f32x4.splat (local.get $w)))
    (block $done (loop $l
      (br_if $done (i32.lt_s (local.get $nvec) (i32.const 1)))
      (local.set $g0 (v128.load (local.get $dy)))
      (v128.store (local.get $dst) (f32x4.mul (local.get $ws) (local.get $g0)))
      (local.set $p0 (f32x4.mul (local.get $g0) (v128.load (local.get $o))))
      (local.set $a0 (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (local.get $p0))))
      (local.set $a1 (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p0) (local.get $p0)))))
      (if (i32.gt_s (local.get $nvec) (i32.const 1)) (then
        (local.set $g1 (v128.load offset=16 (local.get $dy)))
        (v128.store offset=16 (local.get $dst) (f32x4.mul (local.get $ws) (local.get $g1)))
        (local.set $p1 (f32x4.mul (local.get $g1) (v128.load offset=16 (local.get $o))))
        (local.set $a2 (f64x2.add (local.get $a2) (f64x2.promote_low_f32x4 (local.get $p1))))
        (local.set $a3 (f64x2.add (local.get $a3) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p1) (local.get $p1)))))))
      (local.set $dy (i32.add (local.get $dy) (i32.const 32)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (local.set $nvec (i32.sub (local.get $nvec) (i32.const 2)))
      (br $l)))
    (local.set $a0 (f64x2.add (f64x2.add (local.get $a0) (local.get $a1)) (f64x2.add (local.get $a2) (local.get $a3))))
    (f64.add (f64x2.extract_lane 0 (local.get $a0)) (f64x2.extract_lane 1 (local.get $a0))))

  ;; Σ a·b over nvec vectors, products in float32, summed in float64.
  (func (export "dot") (param $a i32) (param $b i32) (param $nvec i32) (result f64)
    (local $acc v128) (local $p v128)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $nvec)))
      (local.set $p (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $acc (f64x2.add (local.get $acc) (f64x2.add (f64x2.promote_low_f32x4 (local.get $p))
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $p) (local.get $p))))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $nvec (i32.sub (local.get $nvec) (i32.const 1)))
      (br $l)))
    (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))

  ;; Per-channel sums in float64 (a float32 running sum over 16,384 rows would lose ~3 digits):
  ;; s0[c] += x, and s1[c] += x·y when y is not 0 (BatchNorm's backward pass). s0 and s1 are C doubles
  ;; each, s1 right after s0; each 4-float vector widens to two f64x2 halves.
  (func (export "channelSums") (param $x i32) (param $y i32) (param $nvec i32) (param $c4 i32) (param $s i32)
    (local $o i32) (local $q i32) (local $p i32) (local $end i32) (local $row i32) (local $stride i32) (local $a v128) (local $b v128)
    (local.set $row (i32.shl (local.get $c4) (i32.const 4)))
    (local.set $stride (i32.shl (local.get $c4) (i32.const 5)))
    (local.set $end (i32.shl (local.get $nvec) (i32.const 4)))
    (if (i32.eqz (local.get $y))
      (then ${channelRows(`(local.set $a (v128.load (i32.add (local.get $x) (local.get $o))))
          ${widenAdd('(local.get $p)', '$a')}`)})
      (else ${channelRows(`(local.set $a (v128.load (i32.add (local.get $x) (local.get $o))))
          ${widenAdd('(local.get $p)', '$a')}
          (local.set $b (f32x4.mul (local.get $a) (v128.load (i32.add (local.get $y) (local.get $o)))))
          ${widenAdd('(i32.add (local.get $p) (local.get $stride))', '$b')}`)})))

  ;; s0[c] += x and s1[c] += x² in float64, one pass (BatchNorm's mean and variance: x is widened before
  ;; squaring, so x² is exact and Σx²/n − μ² loses nothing a float32 result would keep unless |μ|/σ
  ;; passes ~10³). s0 and s1 are C doubles each, s1 right after s0.
  (func (export "channelMoments") (param $x i32) (param $nvec i32) (param $c4 i32) (param $s i32)
    (local $o i32) (local $q i32) (local $p i32) (local $end i32) (local $row i32) (local $stride i32) (local $a v128) (local $lo v128) (local $hi v128)
    (local.set $row (i32.shl (local.get $c4) (i32.const 4)))
    (local.set $stride (i32.shl (local.get $c4) (i32.const 5)))
    (local.set $end (i32.shl (local.get $nvec) (i32.const 4)))
    ${channelRows(`(local.set $a (v128.load (i32.add (local.get $x) (local.get $o))))
          (local.set $lo (f64x2.promote_low_f32x4 (local.get $a)))
          (local.set $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a) (local.get $a))))
          (v128.store (local.get $p) (f64x2.add (v128.load (local.get $p)) (local.get $lo)))
          (v128.store offset=16 (local.get $p) (f64x2.add (v128.load offset=16 (local.get $p)) (local.get $hi)))
          (v128.store (i32.add (local.get $p) (local.get $stride))
            (f64x2.add (v128.load (i32.add (local.get $p) (local.get $stride))) (f64x2.mul (local.get $lo) (local.get $lo))))
          (v128.store offset=16 (i32.add (local.get $p) (local.get $stride))
            (f64x2.add (v128.load offset=16 (i32.add (local.get $p) (local.get $stride))) (f64x2.mul (local.get $hi) (local.get $hi))))`)})

  ;; out = (x − v0[c])·v1[c] − y·v2[c]; with y = 0: out = (x − v0[c])·v1[c].
  ;; BatchNorm forward: x̂ = (x − μ)·s (v0 = μ, v1 = s). Backward with x = dx̂, y = x̂:
  ;; dx = (dx̂ − mean(dx̂))·s − x̂·(mean(dx̂·x̂)·s) (v0 = mean(dx̂), v1 = s, v2 = mean(dx̂·x̂)·s).
  (func (export "channelAffine") (param $x i32) (param $y i32) (param $nvec i32) (param $c4 i32) (param $v i32) (param $out i32)
    (local $o i32) (local $q i32) (local $end i32) (local $row i32) (local $v1 i32) (local $v2 i32) (local $r v128)
    (local.set $row (i32.shl (local.get $c4) (i32.const 4)))
    (local.set $end (i32.shl (local.get $nvec) (i32.const 4)))
    (local.set $v1 (i32.add (local.get $v) (local.get $row)))
    (local.set $v2 (i32.add (local.get $v1) (local.get $row)))
    (if (i32.eqz (local.get $y))
      (then ${channelRows(
        `(v128.store (i32.add (local.get $out) (local.get $o))
            (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $o))) (v128.load (i32.add (local.get $v) (local.get $q))))
                       (v128.load (i32.add (local.get $v1) (local.get $q)))))`,
        false,
      )})
      (else ${channelRows(
        `(v128.store (i32.add (local.get $out) (local.get $o))
            (f32x4.sub
              (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $o))) (v128.load (i32.add (local.get $v) (local.get $q))))
                         (v128.load (i32.add (local.get $v1) (local.get $q))))
              (f32x4.mul (v128.load (i32.add (local.get $y) (local.get $o))) (v128.load (i32.add (local.get $v2) (local.get $q))))))`,
        false,
      )})))
)`;

export interface SimdLoops {
  zero(p: number, bytes: number): void;
  widenAccumulate(src: number, dst: number, nvec: number): void;
  reluGrad(dy: number, x: number, dx: number, nvec: number): void;
  copyPixels(src: number, dst: number, count: number, srcStep: number, dstStep: number, c4: number): void;
  pointwiseFilterGrad(x: number, dy: number, acc: number, pixels: number, cin: number, c4: number): void;
  maxPoolGrad(
    x: number,
    y: number,
    dy: number,
    dx: number,
    N: number,
    H: number,
    W: number,
    OH: number,
    OW: number,
    c4: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    pt: number,
    pl: number,
  ): void;
  scaleAdd(src: number, w: number, dst: number, nvec: number, first: number): void;
  dot(a: number, b: number, nvec: number): number;
  scaleDot(dy: number, w: number, dst: number, o: number, nvec: number): number;
  depthwiseFilterGradImage(
    x: number,
    dy: number,
    acc: number,
    cols: number,
    H: number,
    W: number,
    OH: number,
    OW: number,
    c4: number,
    kh: number,
    kw: number,
    s: number,
    d: number,
    pt: number,
  ): void;
  channelSums(x: number, y: number, nvec: number, c4: number, sums: number): void;
  channelMoments(x: number, nvec: number, c4: number, sums: number): void;
  channelAffine(x: number, y: number, nvec: number, c4: number, v: number, out: number): void;
}

/** Assembles the loops (wabt) and instantiates them against `memory`, tfjs-backend-wasm's heap. */
export async function instantiateSimdLoops(memory: WebAssembly.Memory): Promise<SimdLoops> {
  const { default: initWabt } = await import('wabt');
  const wabt = await initWabt();
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const parsed = wabt.parseWat('simd-loops.wat', WAT(shared), {
    simd: true,
    threads: shared,
    bulk_memory: true,
  });
  try {
    // Validated by WebAssembly.Module (wabt's own validator rejects shared memories whatever the flags).
    const { buffer } = parsed.toBinary({});
    const instance = new WebAssembly.Instance(new WebAssembly.Module(buffer as Uint8Array<ArrayBuffer>), {
      env: { memory },
    });
    return instance.exports as unknown as SimdLoops;
  } finally {
    parsed.destroy();
  }
}
