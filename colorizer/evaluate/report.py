"""An evaluation's results for people: a Markdown table per set and size, and a contact sheet of example photos."""

from PIL import Image, ImageDraw

from .evaluation import TRUTH


def markdown_table(results):
    """`evaluate`'s results as Markdown: a table per size and set, a row per model (and the truth's colourfulness)."""
    lines = []
    for size, sets in results.items():
        for set_name, table in sets.items():
            lines += [
                f"**{set_name}** ({table['_photos']} photos, {'full resolution' if size == 'full' else f'{size}x{size}'})",
                "",
                "| | PSNR (dB) | SSIM | CIEDE2000 | CF | dCF | chroma ratio | false colour | green recall | border excess | blotches |",
                "|---|---|---|---|---|---|---|---|---|---|---|",
            ]
            for name, measures in table.items():
                if name in (TRUTH, "_photos"):
                    continue
                lines.append(
                    f"| {name} | {measures['psnr']:.2f} | {measures['ssim']:.4f} | {measures['ciede2000']:.2f} "
                    f"| {measures['cf']:.1f} | {measures['delta_cf']:.1f} | {measures['chroma_ratio']:.3f} "
                    f"| {measures['false_colour']:.2f} | {measures['green_recall']:.3f} | {measures['border_excess']:.3f} "
                    f"| {measures['blotchiness']:.2f} |"
                )
            truth = table[TRUTH]
            lines += [f"| {TRUTH} | | | | {truth['cf']:.1f} | | 1 | | | | {truth['blotchiness']:.2f} |", ""]
    return "\n".join(lines)


def contact_sheet(examples, columns, thumb=200):
    """A grid: one row per example photo, columns gray, each model, truth; labelled on top."""
    rows = [row for set_rows in examples.values() for row in set_rows]
    label_height = 18
    sheet = Image.new("RGB", (thumb * len(columns), label_height + thumb * len(rows)), "white")
    draw = ImageDraw.Draw(sheet)
    for column, name in enumerate(columns):
        draw.text((column * thumb + 4, 3), name, fill="black")
    for row_index, row in enumerate(rows):
        for column, name in enumerate(columns):
            image = Image.fromarray(row[name])
            image.thumbnail((thumb, thumb))
            sheet.paste(image, (column * thumb + (thumb - image.width) // 2, label_height + row_index * thumb + (thumb - image.height) // 2))
    return sheet
