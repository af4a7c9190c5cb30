() => {
    // Run once when the page loads (build_demo's demo.load): the page's behaviour that Gradio's components lack.

    // On a narrow screen the result lies below the photo: the events that bring a result call this.
    window.colorizerBringIntoView = (id) => {
        if (window.innerWidth < 768) document.getElementById(id)?.scrollIntoView({behavior: "smooth", block: "start"});
    };

    // Gradio's editor leaves its colour palette open over the photo once a colour is picked, and Escape does
    // not close it; choosing the brush tool does: so a picked colour (or Escape) chooses the brush.
    window.colorizerClosesThePalette = true;
    const brush = () => document.querySelector("#paint button[aria-label='Brush']");
    const chooseBrush = () => {  // as a pointer does: the palette closes on a press outside it
        const button = brush();
        for (const kind of ["pointerdown", "mousedown", "pointerup", "mouseup"]) {
            button?.dispatchEvent(new PointerEvent(kind, {bubbles: true}));
        }
        button?.click();
    };
    const paletteOpen = () => document.querySelector("#paint button.color");
    document.addEventListener("click", (event) => {
        if (event.target.closest("#paint button.color:not(.colorpicker)")) setTimeout(chooseBrush, 0);
    }, true);
    document.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && paletteOpen()) chooseBrush();
    }, true);
}
