// The explorer's moving parts, drawn in the browser (anywidget ESM; no build step).
//
// The kernel sends, once per activation / parameter / z-range change:
//   background  PNG bytes of the figure without the tangent and the two markers
//   frame       {serial, width, height, panels: [{x0, y0, w, h, xlim, ylim}] (pixels, top-left
//               origin), z: slider steps, g, dg (null where not finite), text: the readout at each
//               step (formatted by the kernel, so it is exact), style: colours and sizes in pixels}
// and, only for a z0 set from code off the slider's steps, current = {z0, g, dg, text}.
// z0 itself comes from the z0 slider through a link in the browser, so a drag never waits for
// the kernel. Nothing here computes g: every number shown was computed by the kernel.

function pointFor(model) {
  const f = model.get("frame");
  const z0 = model.get("z0");
  const cur = model.get("current");
  if (cur && cur.serial === f.serial && Math.abs(cur.z0 - z0) <= 1e-12 * Math.max(1, Math.abs(z0))) return cur;
  const z = f.z;
  if (!z || z.length === 0) return null;
  const tol = 1e-9 * Math.max(1, Math.abs(z0));
  let i = Math.round((z0 - z[0]) / f.step);
  i = Math.min(Math.max(i, 0), z.length - 1);
  for (const j of [i, z.length - 1]) {
    if (Math.abs(z[j] - z0) <= tol) return { z0: z[j], g: f.g[j], dg: f.dg[j], text: f.text[j] };
  }
  return null; // a value the kernel has not sent yet: keep the picture until it arrives
}

function toPixels(p) {
  const sx = p.w / (p.xlim[1] - p.xlim[0]);
  const sy = p.h / (p.ylim[1] - p.ylim[0]);
  return { X: (z) => p.x0 + (z - p.xlim[0]) * sx, Y: (v) => p.y0 + (p.ylim[1] - v) * sy };
}

function marker(ctx, shape, x, y, size, st) {
  ctx.beginPath();
  if (shape === "circle") ctx.arc(x, y, size / 2, 0, 2 * Math.PI);
  else ctx.rect(x - size / 2, y - size / 2, size, size);
  ctx.fillStyle = st.colour;
  ctx.fill();
  ctx.lineWidth = st.edge_width;
  ctx.strokeStyle = st.edge_colour;
  ctx.stroke();
}

function drawMoving(ctx, f, pt) {
  const st = f.style;
  const [pg, pdg] = f.panels;
  if (pt.g !== null && Number.isFinite(pt.g)) {
    const { X, Y } = toPixels(pg);
    ctx.save();
    ctx.beginPath();
    ctx.rect(pg.x0, pg.y0, pg.w, pg.h);
    ctx.clip();
    if (pt.dg !== null && Number.isFinite(pt.dg)) {
      const [a, b] = pg.xlim;
      ctx.beginPath();
      ctx.moveTo(X(a), Y(pt.g + pt.dg * (a - pt.z0)));
      ctx.lineTo(X(b), Y(pt.g + pt.dg * (b - pt.z0)));
      ctx.setLineDash(st.tangent_dash);
      ctx.lineWidth = st.tangent_width;
      ctx.strokeStyle = st.colour;
      ctx.stroke();
      ctx.setLineDash([]);
    }
    marker(ctx, "circle", X(pt.z0), Y(pt.g), st.circle_size, st);
    ctx.restore();
  }
  if (pt.dg !== null && Number.isFinite(pt.dg)) {
    const { X, Y } = toPixels(pdg);
    ctx.save();
    ctx.beginPath();
    ctx.rect(pdg.x0, pdg.y0, pdg.w, pdg.h);
    ctx.clip();
    marker(ctx, "square", X(pt.z0), Y(pt.dg), st.square_size, st);
    ctx.restore();
  }
}

function render({ model, el }) {
  const readout = document.createElement("div");
  readout.className = "actviz-readout";
  readout.setAttribute("aria-live", "polite");
  const canvas = document.createElement("canvas");
  canvas.className = "actviz-canvas";
  canvas.setAttribute("role", "img");
  el.classList.add("actviz-tangent-canvas");
  el.append(readout, canvas);
  const ctx = canvas.getContext("2d");
  let bitmap = null; // the decoded background and the frame serial it belongs to
  let bitmapSerial = -1;
  let decoding = 0;

  function draw() {
    const f = model.get("frame");
    if (!bitmap || !f || f.serial !== bitmapSerial) return; // its background is still decoding
    const pt = pointFor(model);
    if (!pt) return;
    if (canvas.width !== f.width || canvas.height !== f.height) {
      canvas.width = f.width;
      canvas.height = f.height;
      canvas.style.maxWidth = `${f.width}px`;
    }
    ctx.drawImage(bitmap, 0, 0);
    drawMoving(ctx, f, pt);
    readout.textContent = pt.text;
    canvas.setAttribute("aria-label", `${f.label}. ${pt.text}`);
    el.dataset.z0 = String(pt.z0);
    el.dataset.draws = String(Number(el.dataset.draws || 0) + 1);
  }

  async function loadBackground() {
    const f = model.get("frame");
    const bytes = model.get("background");
    if (!f || !bytes || bytes.byteLength === 0) return;
    const serial = f.serial;
    const ticket = ++decoding;
    const blob = new Blob([bytes], { type: "image/png" });
    const img = await createImageBitmap(blob);
    if (ticket !== decoding) return; // a newer background arrived meanwhile
    bitmap = img;
    bitmapSerial = serial;
    draw();
  }

  model.on("change:background", loadBackground);
  model.on("change:frame", loadBackground);
  model.on("change:z0", draw);
  model.on("change:current", draw);
  loadBackground();
  return () => {
    model.off("change:background", loadBackground);
    model.off("change:frame", loadBackground);
    model.off("change:z0", draw);
    model.off("change:current", draw);
  };
}

export default { render };
