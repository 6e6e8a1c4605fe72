// The bar chart of a canned answer's counts (ECharts, only the parts used, SVG renderer, with the
// ARIA description ECharts writes for screen readers).
import * as echarts from "echarts/core";
import { BarChart } from "echarts/charts";
import { AriaComponent, GridComponent, TooltipComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";

echarts.use([BarChart, GridComponent, TooltipComponent, AriaComponent, SVGRenderer]);

export function drawChart(container, chart) {
  const instance = echarts.init(container, null, { renderer: "svg" });
  instance.setOption({
    aria: { enabled: true },
    tooltip: { trigger: "axis" },
    grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: "value", name: chart.measure, minInterval: 1 },
    yAxis: { type: "category", data: chart.categories, inverse: true, name: chart.category },
    series: [{ type: "bar", name: chart.measure, data: chart.values, itemStyle: { color: "#0b5cad" },
      label: { show: true, position: "right" } }],
  });
  new ResizeObserver(() => instance.resize()).observe(container);
  return instance;
}
