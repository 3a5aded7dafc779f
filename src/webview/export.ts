/**
 * Plot export inside the webview: a standalone SVG (theme colours resolved from the live CSS and
 * written as attributes, since the saved file has no stylesheet and no VS Code variables) and a
 * PNG rendered from it on a canvas. The PNG goes through a data: URL because the webview CSP
 * allows images only from the extension and data:.
 */

/** Presentation properties copied from computed style onto each exported element. */
const STYLE_PROPERTIES = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'opacity', 'font-size', 'font-family', 'font-weight'] as const;

export function plotToStandaloneSvg(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const originals = [svg, ...Array.from(svg.querySelectorAll<SVGElement>('*'))];
  const copies = [clone, ...Array.from(clone.querySelectorAll<SVGElement>('*'))];
  originals.forEach((original, index) => {
    const copy = copies[index]!;
    if (original.tagName === 'title' || original.tagName === 'desc') return;
    const computed = getComputedStyle(original);
    for (const property of STYLE_PROPERTIES) {
      const value = computed.getPropertyValue(property);
      if (value && value !== 'normal') copy.setAttribute(property, value);
    }
    copy.removeAttribute('class');
    copy.removeAttribute('tabindex');
    copy.removeAttribute('data-label');
  });
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(clone);
}

function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function plotToPngDataUrl(svgMarkup: string, width: number, height: number, scale = 2): Promise<string> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      const context = canvas.getContext('2d');
      if (!context) {
        reject(new Error('no 2D canvas context'));
        return;
      }
      context.scale(scale, scale);
      context.drawImage(image, 0, 0, width, height);
      resolve(canvas.toDataURL('image/png'));
    };
    image.onerror = () => reject(new Error('the plot SVG could not be rasterised'));
    image.src = 'data:image/svg+xml;base64,' + base64Utf8(svgMarkup);
  });
}
