/// The canonical printer: components joined by `/`; in each component `if_` first, then variable
/// definitions in their given order, then the other parameters sorted by key in the SDK order.
enum Printer {
    /// Stable insertion sort by canonical key rank (components are small).
    static func sortCanonically(_ params: inout [TransformParameter]) {
        var i = 1
        while i < params.count {
            let rank = ParameterKey(params[i]).rawValue
            var j = i
            while j > 0, ParameterKey(params[j - 1]).rawValue > rank { j -= 1 }
            if j < i {
                let p = params.remove(at: i)
                params.insert(p, at: j)
            }
            i += 1
        }
    }

    static func isSorted(_ params: [TransformParameter]) -> Bool {
        params.withUnsafeBufferPointer { ps in
            var last = -1
            for i in 0..<ps.count {
                let r = ParameterKey(ps[i]).rawValue
                if r < last { return false }
                last = r
            }
            return true
        }
    }

    static func canonical(_ components: [TransformComponent]) -> String {
        if components.isEmpty { return "" }
        return ByteWriter.render { w in write(components, to: &w) }
    }

    static func write(_ components: [TransformComponent], to w: inout ByteWriter) {
        components.withUnsafeBufferPointer { cs in
            for i in 0..<cs.count {
                if i > 0 { w.byte(0x2F) }
                if isSorted(cs[i].parameters) {
                    write(cs[i].parameters, to: &w)
                } else {
                    var sorted = cs[i].parameters
                    sortCanonically(&sorted)
                    write(sorted, to: &w)
                }
            }
        }
    }

    static func write(_ params: [TransformParameter], to w: inout ByteWriter) {
        params.withUnsafeBufferPointer { ps in
            for i in 0..<ps.count {
                if i > 0 { w.byte(0x2C) }
                write(ps[i], to: &w)
            }
        }
    }

    static func write(_ p: TransformParameter, to w: inout ByteWriter) {
        switch p {
        case .width(let v):
            w.write("w_")
            size(v, &w)
        case .height(let v):
            w.write("h_")
            size(v, &w)
        case .x(let v):
            w.write("x_")
            size(v, &w)
        case .y(let v):
            w.write("y_")
            size(v, &w)
        case .crop(let m):
            w.write("c_")
            w.write(m.literal)
        case .gravity(let g):
            w.write("g_")
            gravity(g, &w)
        case .quality(let q):
            w.write("q_")
            quality(q, &w)
        case .format(let f):
            w.write("f_")
            switch f {
            case .auto: w.write("auto")
            case .named(let n): w.write(n)
            }
        case .aspectRatio(let ar):
            w.write("ar_")
            switch ar {
            case .ratio(let a, let b):
                w.int(a)
                w.byte(0x3A)
                w.int(b)
            case .number(let n): number(n, &w)
            }
        case .zoom(let n):
            w.write("z_")
            number(n, &w)
        case .opacity(let n):
            w.write("o_")
            number(n, &w)
        case .dpr(let d):
            w.write("dpr_")
            switch d {
            case .auto: w.write("auto")
            case .value(let n): number(n, &w)
            }
        case .radius(let r):
            w.write("r_")
            switch r {
            case .max: w.write("max")
            case .corners(let cs):
                for (i, c) in cs.enumerated() {
                    if i > 0 { w.byte(0x3A) }
                    number(c, &w)
                }
            }
        case .angle(let list):
            w.write("a_")
            for (i, a) in list.enumerated() {
                if i > 0 { w.byte(0x2E) }
                angle(a, &w)
            }
        case .effect(let e):
            w.write("e_")
            w.write(e.name)
            for arg in e.arguments {
                w.byte(0x3A)
                w.write(arg)
            }
        case .border(let bo):
            w.write("bo_")
            w.int(bo.width)
            w.write("px_solid_")
            color(bo.color, &w)
        case .background(let bg):
            w.write("b_")
            background(bg, &w)
        case .color(let c):
            w.write("co_")
            color(c, &w)
        case .overlay(let l):
            w.write("l_")
            layer(l, &w)
        case .underlay(let l):
            w.write("u_")
            layer(l, &w)
        case .flags(let fs):
            w.write("fl_")
            for (i, f) in fs.enumerated() {
                if i > 0 { w.byte(0x2E) }
                w.write(f.name)
                if let a = f.argument {
                    w.byte(0x3A)
                    w.write(a)
                }
            }
        case .named(let n):
            w.write("t_")
            for (i, name) in n.names.enumerated() {
                if i > 0 { w.byte(0x2E) }
                w.write(name)
            }
        case .defaultImage(let s):
            w.write("d_")
            w.write(s)
        case .page(let s):
            w.write("pg_")
            w.write(s)
        case .density(let n):
            w.write("dn_")
            number(n, &w)
        case .delay(let n):
            w.write("dl_")
            number(n, &w)
        case .colorSpace(let s):
            w.write("cs_")
            w.write(s)
        case .prefix(let s):
            w.write("p_")
            w.write(s)
        case .customFunction(let s):
            w.write("fn_")
            w.write(s)
        case .condition(let c):
            w.write("if_")
            switch c {
            case .when(let e): ExpressionSyntax.write(e, to: &w)
            case .otherwise: w.write("else")
            case .end: w.write("end")
            }
        case .variable(let name, let value):
            w.byte(0x24)
            w.write(name)
            w.byte(0x5F)
            ExpressionSyntax.write(value, to: &w)
        case .video(let k, let v):
            w.write(k.rawValue)
            w.byte(0x5F)
            w.write(v)
        }
    }

    static func size(_ v: SizeValue, _ w: inout ByteWriter) {
        switch v {
        case .pixels(let i): w.int(i)
        case .relative(let d): w.decimal(d)
        case .auto(let o):
            w.write("auto")
            if let o {
                w.byte(0x3A)
                w.write(o)
            }
        case .variable(let n):
            w.byte(0x24)
            w.write(n)
        case .expression(let e): ExpressionSyntax.write(e, to: &w)
        }
    }

    static func number(_ v: NumberValue, _ w: inout ByteWriter) {
        switch v {
        case .int(let i): w.int(i)
        case .decimal(let d): w.decimal(d)
        case .variable(let n):
            w.byte(0x24)
            w.write(n)
        case .expression(let e): ExpressionSyntax.write(e, to: &w)
        }
    }

    static func option(_ name: StaticString, _ o: String?, _ w: inout ByteWriter) {
        w.write(name)
        if let o {
            w.byte(0x3A)
            w.write(o)
        }
    }

    static func gravity(_ g: Gravity, _ w: inout ByteWriter) {
        switch g {
        case .compass(let c): w.write(c.literal)
        case .xyCenter: w.write("xy_center")
        case .auto(let o): option("auto", o, &w)
        case .face(let o): option("face", o, &w)
        case .faces(let o): option("faces", o, &w)
        case .custom(let o): option("custom", o, &w)
        case .advancedFace: w.write("adv_face")
        case .advancedFaces: w.write("adv_faces")
        case .advancedEyes: w.write("adv_eyes")
        case .ocrText(let o): option("ocr_text", o, &w)
        case .liquid: w.write("liquid")
        }
    }

    static func quality(_ q: Quality, _ w: inout ByteWriter) {
        switch q {
        case .value(let v, let chroma):
            w.int(v)
            if let chroma {
                w.byte(0x3A)
                w.int(chroma)
            }
        case .auto(let o): option("auto", o, &w)
        case .jpegmini: w.write("jpegmini")
        case .variable(let n):
            w.byte(0x24)
            w.write(n)
        case .expression(let e): ExpressionSyntax.write(e, to: &w)
        }
    }

    static func angle(_ a: Angle, _ w: inout ByteWriter) {
        switch a {
        case .degrees(let n): number(n, &w)
        case .autoRight: w.write("auto_right")
        case .autoLeft: w.write("auto_left")
        case .ignore: w.write("ignore")
        case .vflip: w.write("vflip")
        case .hflip: w.write("hflip")
        }
    }

    static func color(_ c: Color, _ w: inout ByteWriter) {
        switch c {
        case .rgb(let hex):
            w.write("rgb:")
            w.write(hex)
        case .named(let n): w.write(n)
        case .variable(let n):
            w.byte(0x24)
            w.write(n)
        }
    }

    static func background(_ b: Background, _ w: inout ByteWriter) {
        switch b {
        case .color(let c): color(c, &w)
        case .auto(let o): option("auto", o, &w)
        case .blurred(let o): option("blurred", o, &w)
        case .generativeFill(let o): option("gen_fill", o, &w)
        }
    }

    static func layer(_ l: LayerSource, _ w: inout ByteWriter) {
        switch l {
        case .image(let id, let format):
            layerID(id, &w)
            if let format {
                w.byte(0x2E)
                w.write(format)
            }
        case .text(let t):
            w.write("text:")
            w.write(t.style)
            w.byte(0x3A)
            w.write(t.text)
        case .fetch(let s):
            w.write("fetch:")
            w.write(s)
        case .resource(let kind, let id):
            w.write(kind)
            w.byte(0x3A)
            layerID(id, &w)
        }
    }

    /// Writes a public id with `/` as `:`.
    static func layerID(_ id: String, _ w: inout ByteWriter) {
        for c in id.utf8 { w.byte(c == 0x2F ? 0x3A : c) }
    }
}
