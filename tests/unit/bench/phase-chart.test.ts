import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { renderPhaseChart, type PhaseChart } from "../../../bench/lib/phase-chart";

const phases = [
  { name: "engine", color: "#1f77b4" },
  { name: "primary ready", color: "#ff7f0e" },
  { name: "standby <base backup> & start", color: "#2ca02c" },
  { name: "verify", color: "#d62728" },
];

const chart: PhaseChart = {
  title: "Time to ready <by phase> & \"more\"",
  subtitle: "median of 3 runs",
  phases,
  bars: [
    { label: "floor: engine + docker", segments: [{ phase: "engine", ms: 2000 }, { phase: "primary ready", ms: 1000 }], note: "3.0 s" },
    { label: "1 standby", segments: [{ phase: "engine", ms: 2000 }, { phase: "primary ready", ms: 1500 }, { phase: "standby <base backup> & start", ms: 6000 }, { phase: "verify", ms: 300 }], note: "9.8 s (min 9.1, max 10.2)" },
    { label: "3 standbys", segments: [{ phase: "engine", ms: 2100 }, { phase: "primary ready", ms: 1400 }, { phase: "standby <base backup> & start", ms: 10400 }, { phase: "verify", ms: 1234 }] },
    { label: "destroy", segments: [{ phase: "engine", ms: 4000 }] },
  ],
  groups: [{ title: "pulumi up until verify passes", bars: 3 }, { title: "pulumi destroy", bars: 1 }],
};

interface Segment { x: number; width: number; tip: string }

function segments(svg: string): Segment[] {
  const re = /<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="[^"]*"[^>]*><title>([^<]*)<\/title><\/rect>/g;
  return [...svg.matchAll(re)].map((m) => ({ x: Number(m[1]), width: Number(m[2]), tip: m[3] }));
}

function plotFrame(svg: string): { left: number; width: number; bottom: number } {
  const m = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none"/.exec(svg);
  assert.ok(m, "a plot frame");
  return { left: Number(m[1]), width: Number(m[3]), bottom: Number(m[2]) + Number(m[4]) };
}

function tickValues(svg: string): number[] {
  const { bottom } = plotFrame(svg);
  const re = new RegExp(`<text x="[\\d.]+" y="${bottom + 18}" text-anchor="middle">([\\d.]+)</text>`, "g");
  return [...svg.matchAll(re)].map((m) => Number(m[1]));
}

describe("phase chart", () => {
  const svg = renderPhaseChart(chart);

  it("is a standalone SVG document whose every opened tag closes, with no broken numbers", () => {
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="900" /);
    assert.match(svg, /<\/svg>\n$/);
    assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
    const open: string[] = [];
    for (const [tag, close, name, self] of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
      if (self === "/") continue;
      if (close === "/") assert.equal(open.pop(), name, `${tag} closes the innermost open tag`);
      else open.push(name);
    }
    assert.deepEqual(open, [], "nothing left open");
    assert.doesNotMatch(svg.replace(/<[^>]*>/g, ""), /[<>]|&(?!amp;|lt;|gt;|quot;)/, "no raw markup characters in text");
  });

  it("escapes every text: title, phase names, tooltips", () => {
    assert.match(svg, /Time to ready &lt;by phase&gt; &amp; &quot;more&quot;/);
    assert.match(svg, />standby &lt;base backup&gt; &amp; start</);
    assert.match(svg, /<title>standby &lt;base backup&gt; &amp; start: 6\.00 s<\/title>/);
    assert.doesNotMatch(svg, /<base backup>/);
  });

  it("draws every segment, each as wide as its share of the shared axis", () => {
    const segs = segments(svg);
    assert.equal(segs.length, chart.bars.reduce((a, b) => a + b.segments.length, 0));
    const standby = segs.find((s) => s.tip.startsWith("standby &lt;base backup&gt; &amp; start: 6.00"));
    const verify = segs.find((s) => s.tip === "verify: 0.30 s");
    const destroy = segs.find((s) => s.tip === "engine: 4.00 s");
    assert.ok(standby && verify && destroy);
    assert.ok(Math.abs(standby.width / verify.width - 6000 / 300) < 0.5, `${standby.width} / ${verify.width}`);
    assert.ok(Math.abs(standby.width / destroy.width - 6000 / 4000) < 0.01, `${standby.width} / ${destroy.width}`);
    const { left } = plotFrame(svg);
    for (const s of segs.slice(0, 2)) assert.ok(s.x >= left);
    assert.equal(segs[0].x, left, "bars start at zero");
    assert.ok(Math.abs(segs[1].x - (segs[0].x + segs[0].width)) < 0.01, "segments meet without gaps");
  });

  it("puts the duration inside wide segments only", () => {
    assert.match(svg, /font-size="11" fill="#ffffff" pointer-events="none">6\.0<\/text>/);
    assert.doesNotMatch(svg, />0\.3<\/text>/, "a 0.3 s segment is too narrow to label");
  });

  it("has tooltips in seconds for every segment", () => {
    const tips = segments(svg).map((s) => s.tip);
    assert.ok(tips.includes("engine: 2.00 s"));
    assert.ok(tips.includes("verify: 1.23 s"));
    assert.ok(tips.includes("primary ready: 1.50 s"));
  });

  it("lists every phase in the legend, in order", () => {
    let from = 0;
    for (const p of phases) {
      const swatch = svg.indexOf(`width="14" height="12" fill="${p.color}"`, from);
      assert.ok(swatch >= 0, `a swatch for ${p.name}`);
      from = swatch;
    }
    for (const name of ["engine", "primary ready", "standby &lt;base backup&gt; &amp; start", "verify"]) assert.match(svg, new RegExp(`dominant-baseline="middle">${name}</text>`));
  });

  it("has labels, notes and group headings", () => {
    for (const text of ["floor: engine + docker", "1 standby", "9.8 s (min 9.1, max 10.2)", "pulumi up until verify passes", "pulumi destroy"]) {
      assert.ok(svg.includes(`>${text}</text>`), text);
    }
  });

  it("ends its axis at a round number of seconds past the longest bar, in 5-10 steps", () => {
    const ticks = tickValues(svg);
    const longest = (2100 + 1400 + 10400 + 1234) / 1000;
    assert.ok(ticks.length >= 6 && ticks.length <= 11, `ticks ${ticks.join(" ")}`);
    assert.equal(ticks[0], 0);
    assert.ok(ticks[ticks.length - 1] >= longest);
    assert.deepEqual(ticks, [0, 2, 4, 6, 8, 10, 12, 14, 16]);
    const { left, width } = plotFrame(svg);
    const ends = segments(svg).map((s) => s.x + s.width);
    assert.ok(Math.max(...ends) <= left + width + 0.01);
  });

  it("picks sensible axes for short, long and empty bars", () => {
    const one = (ms: number): PhaseChart => ({ title: "t", subtitle: "s", phases, bars: [{ label: "b", segments: [{ phase: "engine", ms }] }] });
    for (const [ms, last] of [[430, 0.45], [1000, 1], [73000, 80], [0, 1]] as const) {
      const ticks = tickValues(renderPhaseChart(one(ms)));
      assert.equal(ticks[ticks.length - 1], last, `${ms} ms: ${ticks.join(" ")}`);
      assert.ok(ticks.length >= 6 && ticks.length <= 11, `${ms} ms: ${ticks.join(" ")}`);
    }
  });

  it("grows with the bars and wraps a wide legend onto more lines", () => {
    const height = (c: PhaseChart): number => Number(/height="(\d+)"/.exec(renderPhaseChart(c))?.[1]);
    const many = Array.from({ length: 14 }, (_, i) => ({ name: `a rather long phase name ${i}`, color: "#777777" }));
    const wide: PhaseChart = { ...chart, phases: [...phases, ...many] };
    assert.ok(height(wide) > height(chart));
    const out = renderPhaseChart(wide);
    const swatches = [...out.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="14" height="12"/g)];
    assert.equal(swatches.length, wide.phases.length);
    assert.ok(new Set(swatches.map((m) => m[2])).size > 1, "legend on several lines");
    for (const m of swatches) assert.ok(Number(m[1]) + 14 <= 900, "every swatch on the canvas");
    const { groups: _groups, ...ungrouped } = chart;
    assert.ok(height({ ...ungrouped, bars: [...chart.bars, ...chart.bars] }) > height(ungrouped));
  });

  it("is deterministic", () => {
    assert.equal(renderPhaseChart(chart), svg);
  });

  it("refuses what it cannot draw, saying why", () => {
    const bar = (phase: string, ms: number) => ({ ...chart, groups: undefined, bars: [{ label: "x", segments: [{ phase, ms }] }] });
    assert.throws(() => renderPhaseChart(bar("nope", 1)), /unknown phase "nope"/);
    assert.throws(() => renderPhaseChart(bar("engine", -1)), /finite number of ms >= 0, got -1/);
    assert.throws(() => renderPhaseChart(bar("engine", NaN)), /got NaN/);
    assert.throws(() => renderPhaseChart(bar("engine", Infinity)), /got Infinity/);
    assert.throws(() => renderPhaseChart({ ...chart, bars: [], groups: undefined }), /no bars/);
    assert.throws(() => renderPhaseChart({ ...chart, groups: [{ title: "g", bars: 3 }] }), /groups hold 3 bars but the chart has 4/);
    assert.throws(() => renderPhaseChart({ ...chart, groups: [{ title: "g", bars: 5 }] }), /groups hold 5 bars but the chart has 4/);
    assert.throws(() => renderPhaseChart({ ...chart, phases: [...phases, phases[0]] }), /listed twice/);
  });
});
