() => {
    // Run once when the page loads (build_demo's demo.load): the page's behaviour that Gradio's components lack.

    // On a narrow screen the result lies below the photo: the events that bring a result call this.
    window.colorizerBringIntoView = (id) => {
        if (window.innerWidth < 768) document.getElementById(id)?.scrollIntoView({behavior: "smooth", block: "start"});
    };
}
