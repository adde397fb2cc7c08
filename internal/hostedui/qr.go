package hostedui

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"strings"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

// quietZone is the margin (in modules) QR readers need around a code.
const quietZone = 4

// QRCodeDataURI renders text (an otpauth:// URI) as a QR code, an SVG
// data: URI the TOTP setup page shows in an <img>: one path of unit
// squares, crisp at any size, no script, nothing fetched.
func QRCodeDataURI(text string) (template.URL, error) {
	q, err := qrcodeFor(text)
	if err != nil {
		return "", fmt.Errorf("hostedui: QR code: %w", err)
	}
	var w matrixWriter
	if err := q.Save(&w); err != nil {
		return "", fmt.Errorf("hostedui: QR code: %w", err)
	}
	svg := svgOf(w.bitmap)
	return template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg))), nil
}

// matrixWriter keeps the module matrix qrcode.Save hands it.
type matrixWriter struct{ bitmap [][]bool }

func (w *matrixWriter) Write(m qrcode.Matrix) error {
	w.bitmap = m.Bitmap()
	return nil
}

func (w *matrixWriter) Close() error { return nil }

// svgOf draws a module bitmap (rows of dark modules) with a quiet zone.
func svgOf(bitmap [][]bool) string {
	n := len(bitmap) + 2*quietZone
	var path strings.Builder
	for y, row := range bitmap {
		for x, dark := range row {
			if dark {
				fmt.Fprintf(&path, "M%d %dh1v1h-1z", x+quietZone, y+quietZone)
			}
		}
	}
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path d="%s" fill="#000"/></svg>`, n, n, n, n, path.String())
}

func qrcodeFor(text string) (*qrcode.QRCode, error) {
	return qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
}
