package compose

import (
	"strings"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// blockedExtensions are the attachment file extensions SES refuses
// (Developer Guide, "Unsupported attachment types", mime-types-appendix).
var blockedExtensions = func() map[string]bool {
	list := strings.Fields(`ade adp app asp bas bat cer chm cmd com cpl crt csh der exe fxp gadget hlp
		hta inf ins isp its js jse ksh lib lnk mad maf mag mam maq mar mas mat mau mav maw mda mdb
		mde mdt mdw mdz msc msh msh1 msh2 mshxml msh1xml msh2xml msi msp mst ops pcd pif plg prf prg
		reg scf scr sct shb shs sys ps1 ps1xml ps2 ps2xml psc1 psc2 tmp url vb vbe vbs vps vsmacros
		vss vst vsw vxd ws wsc wsf wsh xnk`)
	m := make(map[string]bool, len(list))
	for _, e := range list {
		m[e] = true
	}
	return m
}()

// extension returns the lower-case extension of a file name, without the
// dot. Trailing dots and spaces are ignored, as Windows ignores them
// ("run.exe." opens as "run.exe"), and so is a directory part.
func extension(name string) string {
	name = strings.TrimRight(name, ". \t")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return ""
	}
	return strings.ToLower(name[i+1:])
}

// checkFileName refuses an attachment whose file name has an extension SES
// does not accept. SES's own text for this refusal was not found in any
// public trace; this one says what and how to fix it.
func checkFileName(name string) error {
	if ext := extension(name); blockedExtensions[ext] {
		return fault.MessageRejected("Attachment '%s' has an unsupported file type (.%s). Amazon SES does not accept that extension; compress the file or send a link instead.", name, ext)
	}
	return nil
}
