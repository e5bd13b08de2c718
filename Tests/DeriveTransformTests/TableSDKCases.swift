@testable import DeriveTransform

/// Every transformation string of the shared Cloudinary reference (sections 2 and 3), plus SDK-style
/// strings: each is already canonical and must print back byte-identical.
let sdkCases: [TableCase] = [
    // Section 2.4 / 2.7 vectors.
    same("c_crop,h_20,w_10"),
    same("co_red,l_text:Times_70_bold:Cool%25F0%259F%2598%258D"),
    same("c_scale,w_100"),
    same("c_fill,g_face,h_200,w_100"),
    same("c_fit,w_100/a_90.hflip/e_sepia:50"),
    same("t_thumb.small"),
    same("b_rgb:ff0000,bo_3px_solid_rgb:00ff00,o_50,r_20"),
    same("l_folder:logo,w_50"),
    same("if_w_gt_1000_and_ar_lt_1.5,w_500"),
    same("$bar_w_mul_2,$foo_10,w_$foo"),
    canon("w_100,c_scale/e_grayscale", "c_scale,w_100/e_grayscale"),
    same("w_100"),
    same("f_png"),
    same("du_50p,eo_10,so_2.5", .video),
    same("c_fill,h_100,w_100"),
    same("c_scale,w_200"),
    same("c_fill,w_150"),
    same("c_limit,w_50"),
    same("c_pad,h_300,w_400"),
    same("c_scale,dpr_2.0,f_webp,fl_awebp,q_auto,t_sc_thumb,w_400"),
    same("c_crop,g_auto:ocr_text"),
    same("g_ocr_text:adv_ocr"),
    same("c_fill,g_auto,h_200,w_300/e_sharpen/f_auto,q_auto"),
    // Section 3.2: the verified full example (video keys need video media; the appended raw `e_blur`
    // repeats `e` and is rejected, see the error table).
    same(
        "if_w_gt_100,$v_1,a_10,ac_aac,af_44100,ar_4:3,b_red,bo_1px_solid_red,br_1m,c_fill,co_blue,cs_srgb,d_d.png,dl_10,dn_72,dpr_2,du_5,e_sepia,eo_3,f_webp,fl_progressive,fn_wasm:f.wasm,fps_24,g_north,h_100,ki_2.0,l_logo,o_50,p_p,pg_1,q_80,r_5,so_1,sp_hd,t_named,u_bg,vc_h264,vs_5,w_200,x_1,y_2,z_2",
        .video),
    same(
        "if_w_gt_100,$v_1,a_10,ar_4:3,b_red,bo_1px_solid_red,c_fill,co_blue,cs_srgb,d_d.png,dl_10,dn_72,dpr_2,e_sepia,f_webp,fl_progressive,fn_wasm:f.wasm,g_north,h_100,l_logo,o_50,p_p,pg_1,q_80,r_5,t_named,u_bg,w_200,x_1,y_2,z_2"
    ),
    // Section 3.2 value normalisation table (URL forms).
    same("b_rgb:ff0000"),
    same("co_rgb:ff0000"),
    same("bo_3px_solid_rgb:0f0"),
    same("fl_a.b".replacingFlags()),
    same("e_sepia:50"),
    same("r_1:2:3:4"),
    same("ar_3:2"),
    same("h_200,w_100"),
    same("so_35p", .video),
    same("ki_2.0", .video),
    same("vc_h264:basic:3.1", .video),
    same("w_iw_mul_0.5_add_10"),
    // Section 3.3 examples.
    same("w_0.5"),
    same("w_2.0"),
    same("w_auto:100:400"),
    same("q_auto:eco"),
    same("f_auto"),
    same("dpr_auto"),
    same("bo_3px_solid_rgb:00ff00"),
    same("a_90.hflip"),
    same("l_text:Arial_40_bold:Hello%20world"),
    same("t_thumb"),
    same("t_small.thumb"),
    same("if_w_gt_1000"),
    same("$size_200"),
    same("w_$size"),
    same("q_80:444"),
    same("q_jpegmini"),
    same("d_avatar.png"),
    same("e_brightness:30"),
    same("fl_layer_apply.relative".inLayer()),
    same("ar_16:9"),
    same("r_20:0:40:40"),
    same("pg_2-4"),
    same("dn_300"),
    same("cs_icc:my_profile"),
    same("fn_remote:aHR0cHM6Ly9leGFtcGxlLmNvbS9mbi5qcw"),
    same("fn_pre:remote:aHR0cHM6Ly9leGFtcGxlLmNvbS9mbi5qcw"),
    same("w_auto:breakpoints_200_1920_30_15:json"),
    same("b_auto:predominant"),
    same("e_colorize:40"),
    same("fl_attachment:my_name"),
    same("l_fetch:aHR0cDovL2V4YW1wbGUuY29tL2xvZ28ucG5n"),
    same("if_ar_gt_1.0/c_fill,w_200/if_else/c_scale,w_100/if_end"),
    same("t_instagram-auto-crop"),
    // Section 5.3: Cloudinary's own response spells the derived key in its internal order.
    canon("c_fill,w_100,h_100", "c_fill,h_100,w_100"),
    // Section 5.3 test13: a text overlay as the Admin API reports it.
    same("c_scale,l_text:arial_20:Sample%20text,w_100"),
    // Section 3.1 / 3.3 video layer sources and offsets.
    same("l_video:dog,w_100", .video),
    same("l_subtitles:sample_sub_en.srt", .video),
    same("so_auto", .video),
    same("l_audio:sound", .video),
]

extension String {
    /// `fl_a.b` from the SDK table uses placeholder flags; use two real ones.
    func replacingFlags() -> String { self == "fl_a.b" ? "fl_progressive.lossy" : self }
    /// A layer flag needs an open layer.
    func inLayer() -> String { "l_logo/" + self }
}
