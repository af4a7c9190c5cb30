"""Films: read and written with PyAV (`io`), motion between frames (`flow`), colour and strokes carried along it
(`temporal`), the whole film through the photo path (`film`), and how steady the result is (`measure`).
`formats` names what is read and written, without importing PyAV."""
