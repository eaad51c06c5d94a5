package compose

// typeByExtension maps file extensions to the media type an attachment
// gets when the caller gives none. It is a fixed table rather than
// mime.TypeByExtension, which also reads the host's mime.types and so would
// make the same request produce different messages on different machines.
var typeByExtension = map[string]string{
	"7z":   "application/x-7z-compressed",
	"avif": "image/avif",
	"bmp":  "image/bmp",
	"css":  "text/css",
	"csv":  "text/csv",
	"doc":  "application/msword",
	"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"eml":  "message/rfc822",
	"epub": "application/epub+zip",
	"gif":  "image/gif",
	"gz":   "application/gzip",
	"heic": "image/heic",
	"htm":  "text/html",
	"html": "text/html",
	"ics":  "text/calendar",
	"jpeg": "image/jpeg",
	"jpg":  "image/jpeg",
	"json": "application/json",
	"m4a":  "audio/mp4",
	"md":   "text/markdown",
	"mov":  "video/quicktime",
	"mp3":  "audio/mpeg",
	"mp4":  "video/mp4",
	"odp":  "application/vnd.oasis.opendocument.presentation",
	"ods":  "application/vnd.oasis.opendocument.spreadsheet",
	"odt":  "application/vnd.oasis.opendocument.text",
	"ogg":  "audio/ogg",
	"pdf":  "application/pdf",
	"png":  "image/png",
	"ppt":  "application/vnd.ms-powerpoint",
	"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"rar":  "application/vnd.rar",
	"rtf":  "application/rtf",
	"svg":  "image/svg+xml",
	"tar":  "application/x-tar",
	"tif":  "image/tiff",
	"tiff": "image/tiff",
	"txt":  "text/plain",
	"vcf":  "text/vcard",
	"wav":  "audio/wav",
	"webm": "video/webm",
	"webp": "image/webp",
	"xls":  "application/vnd.ms-excel",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"xml":  "application/xml",
	"zip":  "application/zip",
}

// defaultContentType returns the media type for a file name.
func defaultContentType(name string) string {
	if t, ok := typeByExtension[extension(name)]; ok {
		return t
	}
	return "application/octet-stream"
}
