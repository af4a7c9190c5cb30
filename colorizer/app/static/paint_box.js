// The paint box (paint_box.py), run by Gradio's gr.HTML with `element`, `props`, `trigger` and `watch`.
// Strokes are drawn here and kept as points in the picture's pixels; after each stroke, Undo or Clear
// all of them are sent as the value, and the "input" event asks the server for the new colour.
const stage = element.querySelector(".paint-stage");
const photo = element.querySelector(".paint-photo");
const canvas = element.querySelector(".paint-strokes");
const empty = element.querySelector(".paint-empty");
const pen = canvas.getContext("2d");
const sizeControl = element.querySelector(".paint-size");
let strokes = [];
let drawing = null;
let version = 0;
let colour = props.palette[0];
let erasing = false;

// The busy sign on the result: shown from a change until the server says it has shown that change (paint_status).
const busy = (window.colorizerPaintBusy ??= {});
window.colorizerPaintShown ??= (result, shown) => {
    const waiting = busy[result];
    if (waiting && (shown === null || shown >= waiting.version)) {
        delete busy[result];
        document.getElementById(result)?.classList.remove("painting");
    }
};

function fit() {  // the picture whole inside the stage, the strokes' canvas exactly over it
    if (!canvas.width) return;
    const box = stage.getBoundingClientRect();
    const scale = Math.min(box.width / canvas.width, box.height / canvas.height);
    for (const layer of [photo, canvas]) {
        layer.style.width = `${canvas.width * scale}px`;
        layer.style.height = `${canvas.height * scale}px`;
    }
}
new ResizeObserver(fit).observe(stage);

function draw(stroke, from = 0) {
    const points = stroke.points;
    pen.globalCompositeOperation = stroke.erase ? "destination-out" : "source-over";
    pen.strokeStyle = stroke.colour ?? "#000";
    pen.lineWidth = 2 * stroke.radius;
    pen.lineCap = pen.lineJoin = "round";
    pen.beginPath();
    pen.moveTo(points[from], points[from + 1]);
    for (let index = from + 2; index < points.length; index += 2) pen.lineTo(points[index], points[index + 1]);
    if (points.length - from === 2) pen.lineTo(points[from] + 0.01, points[from + 1]);  // a dot
    pen.stroke();
}

function redraw() {
    pen.clearRect(0, 0, canvas.width, canvas.height);
    strokes.forEach((stroke) => draw(stroke));
}

function send() {
    version += 1;
    props.value = {width: canvas.width, height: canvas.height, version, strokes};
    if (props.result) {
        busy[props.result] = {version};
        document.getElementById(props.result)?.classList.add("painting");
    }
    trigger("input");
}

function at(event) {  // the pointer's place in the picture's pixels
    const box = canvas.getBoundingClientRect();
    const x = Math.round(((event.clientX - box.left) * canvas.width) / box.width);
    const y = Math.round(((event.clientY - box.top) * canvas.height) / box.height);
    return [Math.min(Math.max(x, 0), canvas.width - 1), Math.min(Math.max(y, 0), canvas.height - 1)];
}

canvas.addEventListener("pointerdown", (event) => {
    if (!canvas.width || event.button !== 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    const radius = Number(sizeControl.value);
    drawing = erasing ? {erase: true, radius, points: at(event)} : {colour, radius, points: at(event)};
    draw(drawing);
});
canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const [x, y] = at(event);
    const points = drawing.points;
    if (x === points[points.length - 2] && y === points[points.length - 1]) return;
    points.push(x, y);
    draw(drawing, points.length - 4);
});
for (const end of ["pointerup", "pointercancel"]) {
    canvas.addEventListener(end, () => {
        if (!drawing) return;
        strokes.push(drawing);
        drawing = null;
        redraw();  // the eraser's and the brush's overlaps drawn once, in order
        send();
    });
}

function choose(tool) {  // the brush (in `colour`) or the eraser, shown pressed with the colour's swatch
    erasing = tool === "eraser";
    for (const button of element.querySelectorAll(".paint-tool")) button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
    for (const swatch of element.querySelectorAll(".paint-swatch")) {
        swatch.setAttribute("aria-pressed", String(!erasing && swatch.dataset.colour === colour));
    }
}
choose("brush");
element.querySelectorAll(".paint-tool").forEach((button) => button.addEventListener("click", () => choose(button.dataset.tool)));
element.querySelectorAll(".paint-swatch").forEach((swatch) => swatch.addEventListener("click", () => {
    colour = swatch.dataset.colour;
    choose("brush");
}));
element.querySelector(".paint-picker").addEventListener("input", (event) => {
    colour = event.target.value;
    choose("brush");
});
element.querySelector(".paint-undo").addEventListener("click", () => {
    if (!strokes.length) return;
    strokes.pop();
    redraw();
    send();
});
element.querySelector(".paint-clear").addEventListener("click", () => {
    if (!strokes.length) return;
    strokes = [];
    redraw();
    send();
});

// A new picture from the server (a new photo coloured): no strokes yet. The box may first be drawn with one already.
function show(picture) {
    if (picture && !picture.background) return;  // our own strokes, sent
    strokes = [];
    drawing = null;
    canvas.width = picture ? picture.width : 0;
    canvas.height = picture ? picture.height : 0;
    photo.hidden = !picture;
    empty.hidden = Boolean(picture);
    if (picture) photo.src = picture.background;
    else photo.removeAttribute("src");
    redraw();
    fit();
}
watch("value", () => show(props.value));
if (props.value) show(props.value);
